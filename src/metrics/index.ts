// StreamBot's Prometheus metrics: one registry with every `streambot_*` figure (HTTP, sessions, block fetches,
// read-ahead, store, and the process defaults: memory, CPU, event-loop lag), served by GET /metrics.
// docs/grafana-dashboard.json charts them.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Supervisor } from '../../actors/supervisor/index.ts';
import type { HttpPolicy, HttpStats, Route } from '../http/index.ts';
import type { Store } from '../store/index.ts';
import { readAheadStats, sharedBlockCache, type BlockCacheStats } from '../streaming/index.ts';
import { blockCacheMetrics } from './block-cache.ts';
import type { FileSource } from '../streaming/types.ts';
import { timedSupervisor } from './block-timing.ts';
import { httpMetrics } from './http-metrics.ts';
import type { MetricsLogger } from './logger.ts';
import { metricsRoute } from './route.ts';
import { sessionMetrics } from './sessions.ts';
import { storeMetrics } from './store-metrics.ts';

export { fileResponseStatus } from './http-metrics.ts';
export { isMetricsReport } from './sessions.ts';
export type { MetricsLogger } from './logger.ts';

export interface MetricsOptions {
  supervisor: Supervisor;
  store: Store;
  /** The HTTP server's stats; read at each scrape, so it may be called before the server exists (it may throw then). */
  http: () => HttpStats;
  /** Block bytes requested and not yet handed to a stream; default: the process-wide read-ahead budget's. */
  readAheadInFlight?: () => number;
  /** Default: the process-wide block cache's. */
  blockCacheStats?: () => BlockCacheStats;
  /** Count only this server's file responses (the response channel is process-wide); default: every server's. */
  source?: FileSource;
  logger: MetricsLogger;
}

export interface Metrics {
  /** GET /metrics; pass to createHttpServer({ routes }). */
  routes(): Route[];
  registry: Registry;
  /** Times one store operation under `op`. */
  observeStore<T>(op: string, work: () => Promise<T>): Promise<T>;
  /** The supervisor with fetchBlock timed; give it to the file source. */
  supervisor: Supervisor;
  /** The store with every asynchronous method timed under its name. */
  store: Store;
  /** The HTTP policy (or none) wrapped so that every non-file response is counted by route kind and status. */
  policy(inner?: HttpPolicy): HttpPolicy;
  /** Stops listening to the supervisor and the response channel. Idempotent. */
  close(): void;
}

export function createMetrics(o: MetricsOptions): Metrics {
  if (typeof o !== 'object' || o === null) throw new TypeError('createMetrics: options must be an object');
  for (const name of ['supervisor', 'store', 'logger'] as const) {
    if (typeof o[name] !== 'object' || o[name] === null) throw new TypeError(`createMetrics: options.${name} is required`);
  }
  if (typeof o.http !== 'function') throw new TypeError('createMetrics: options.http must be a function returning the server stats');
  if (o.readAheadInFlight !== undefined && typeof o.readAheadInFlight !== 'function') throw new TypeError('createMetrics: options.readAheadInFlight must be a function');

  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'streambot_' });
  const inFlight = o.readAheadInFlight ?? (() => readAheadStats().budget.usedBytes);
  new Gauge({
    name: 'streambot_read_ahead_in_flight_bytes',
    help: 'Block bytes held for streams: in flight, waiting for their consumer, or kept in the block cache (the read-ahead budget in use).',
    registers: [registry],
    collect() {
      this.set(inFlight());
    },
  });
  blockCacheMetrics({ registry, stats: o.blockCacheStats ?? (() => sharedBlockCache().stats()) });
  const http = httpMetrics({ registry, http: o.http, source: o.source, logger: o.logger });
  const sessions = sessionMetrics({ registry, supervisor: o.supervisor, logger: o.logger });
  const store = storeMetrics({ registry, store: o.store, logger: o.logger });
  const supervisor = timedSupervisor(o.supervisor, registry);
  const route = metricsRoute(registry);

  let closed = false;
  return {
    routes: () => [route],
    registry,
    observeStore: store.observe,
    supervisor,
    store: store.timed,
    policy: http.policy,
    close() {
      if (closed) return;
      closed = true;
      http.close();
      sessions.close();
    },
  };
}
