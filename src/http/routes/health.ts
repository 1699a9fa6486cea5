// /healthz: the process is alive and can serve (a session could serve lately). /readyz: ready for traffic now
// (store reachable, a session ready, not draining); a load balancer takes the instance out while it answers 503.
import type { Route, RouteResponse } from './types.ts';
import type { HttpLogger } from '../logger.ts';

export interface HealthState {
  ok: boolean;
  detail?: Record<string, unknown>;
}

const NO_STORE: [string, string] = ['Cache-Control', 'no-store'];

/** Runs a health callback; a throw or an unserialisable detail is itself an unhealthy answer. */
function probe(check: (() => HealthState) | undefined, what: string, retryAfterS: number, logger: HttpLogger): RouteResponse {
  let body: string | undefined;
  if (check) {
    try {
      const state = check();
      if (state?.ok !== true) body = JSON.stringify({ ok: false, detail: state?.detail ?? {} });
    } catch (err) {
      logger.error({ err }, `the ${what} callback threw (or its detail cannot be serialised); it answers 503`);
      body = JSON.stringify({ ok: false, detail: { error: `${what} check failed` } });
    }
  }
  if (body === undefined) return { status: 200, headers: [['Content-Type', 'text/plain; charset=utf-8'], NO_STORE], body: 'ok' };
  return { status: 503, headers: [['Content-Type', 'application/json; charset=utf-8'], NO_STORE, ['Retry-After', String(retryAfterS)]], body: `${body}\n` };
}

export function healthRoutes(o: { health?: () => HealthState; ready?: () => HealthState; retryAfterS: number; logger: HttpLogger }): Route[] {
  return [
    { name: 'healthz', kind: 'probe', pattern: '/healthz', methods: ['get'], handle: () => probe(o.health, 'health', o.retryAfterS, o.logger) },
    { name: 'readyz', kind: 'probe', pattern: '/readyz', methods: ['get'], handle: () => probe(o.ready ?? o.health, 'readiness', o.retryAfterS, o.logger) },
  ];
}
