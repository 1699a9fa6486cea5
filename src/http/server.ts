// The HTTP front of StreamBot: download and streaming links over uWebSockets.js on the main thread.
// Routes are modules (routes/): files (/dl, /stream), health (/healthz, /readyz), and those the app adds, all run
// through one policy (security headers, CORS, client address, limits).
import type { FileInfo, FileSource } from '../streaming/types.ts';
import type { WriteCounters } from './body-writer.ts';
import { ClientLimits } from './client-limits.ts';
import { invalidOption, listenFailed } from './errors.ts';
import type { FileResponse, ResponseOutcome } from './file-response.ts';
import { fileRoutes } from './routes/files.ts';
import { sendText } from './replies.ts';
import { healthRoutes, type HealthState } from './routes/health.ts';
import { mountRoutes, textResponse } from './routes/mount.ts';
import type { HttpPolicy, Route } from './routes/types.ts';
import { installFrontHook } from './front-hook.ts';
import { defaultLogger, type HttpLogger } from './logger.ts';
import { DEFAULT_MAX_RANGES } from './range.ts';
import { tuneListenSocket } from './socket-options.ts';
import { loadUws, type TemplatedApp, type us_listen_socket } from './uws.ts';

export interface HttpServerOptions {
  source: FileSource;
  /** Address to bind; default 0.0.0.0. */
  host?: string;
  /** 0 picks a free port; the chosen one is returned. */
  port: number;
  /** File responses in flight (GET and HEAD) before new ones get 503; default 64. */
  maxStreams?: number;
  /** File responses in flight from one client address before its new ones get 503; default 16. Behind a reverse
   *  proxy every client has the proxy's address: raise it to maxStreams there. */
  maxStreamsPerIp?: number;
  /** A response whose headers are not out this long after the request (the source has produced no byte yet)
   *  gets 503 with Retry-After instead of waiting on; default 8000. */
  headersTimeoutMs?: number;
  /** A client that reads nothing for this long while the server waits to write is disconnected; default 10000. */
  idleTimeoutMs?: number;
  /** More byte ranges than this in one request and the Range header is ignored (200); default 16. */
  maxRanges?: number;
  logger?: HttpLogger;
  /** Called once per file response when it is over (complete, aborted or failed). Usage accounting subscribes to
   *  the `streambot:http:response` diagnostics channel instead, which also reports bytes while they leave. */
  onResponseEnd?: (outcome: ResponseOutcome) => void;
  /** Asked before each block of a body is requested from the source, with the body bytes sent so far; false stops
   *  the response: 429 before the first byte, the connection closed after it (e.g. a bandwidth quota). */
  allowMore?: (info: FileInfo, bytesSoFar: number) => boolean;
  /** State for /healthz: 200 `ok` when ok, else 503 with a JSON reason and Retry-After. Default: always ok. The
   *  detail is public: never put secrets in it. */
  health?: () => HealthState;
  /** State for /readyz (ready for traffic now); default: the health state. */
  ready?: () => HealthState;
  /** More route modules (API, player, metrics), mounted before the catch-all 404. */
  routes?: Route[];
  /** Runs around every route: security headers, CORS, client address, rate limits. */
  policy?: HttpPolicy;
  /** Registers further routes before the catch-all 404. */
  extraRoutes?: (app: TemplatedApp) => void;
}

export type { HealthState };

export interface HttpStats {
  /** File responses in progress (from the request to the last byte, abort or error). */
  activeStreams: number;
  /** Responses waiting for the client to drain before more can be written. */
  pendingWrites: number;
  /** Body bytes handed to the socket since start. */
  bytesSent: number;
  /** Idle-timeout timers alive. */
  timers: number;
}

export interface HttpServer {
  port: number;
  /** True once drain() was called. */
  readonly draining: boolean;
  /**
   * Drain mode, for a graceful shutdown: from now on new file requests get 503 with Retry-After and /readyz answers
   * 503 (a load balancer takes the instance out), while responses in flight go on and the other routes, /healthz
   * among them, keep answering. Resolves true once every file response in flight has ended, false when graceMs
   * passes first (close() then terminates the rest).
   */
  drain(graceMs: number): Promise<boolean>;
  /** Stops listening, drops every connection (in-flight responses are aborted) and resolves when all are over. */
  close(): Promise<void>;
  stats(): HttpStats;
}

export const RETRY_AFTER_S = 5;
const DEFAULT_MAX_STREAMS = 64;
const DEFAULT_MAX_STREAMS_PER_IP = 16;
const DEFAULT_HEADERS_TIMEOUT_MS = 8_000;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const opts = checkOptions(options);
  const uWS = loadUws();
  const logger = opts.logger.child({ component: 'http' });
  const counters: WriteCounters = { pendingWrites: 0, timers: 0, bytesSent: 0 };
  const active = new Set<FileResponse>();
  const perClient = new ClientLimits(opts.maxStreamsPerIp);
  let closing = false;
  let draining = false;

  const app = uWS.App();

  const files = fileRoutes({ ...opts, retryAfterS: RETRY_AFTER_S, counters, logger, active, perClient, closing: () => closing, onResponseEnd: options.onResponseEnd });
  const readiness = opts.ready ?? opts.health;
  const routes = [
    ...files.map((route) => refusedWhileDraining(route, () => draining)),
    ...healthRoutes({ health: opts.health, ready: () => (draining ? DRAINING : readiness?.() ?? READY), retryAfterS: RETRY_AFTER_S, logger }),
    ...opts.routes,
  ];
  mountRoutes(app, routes, opts.policy, logger);
  opts.extraRoutes?.(app);
  // Last: unknown paths answer 404 through the policy too (its headers on every answer).
  mountRoutes(app, [{ name: 'not-found', kind: 'page', pattern: '/*', methods: ['get', 'post', 'put', 'patch', 'delete', 'options'], handle: () => textResponse(404, 'not found') }], opts.policy, logger);

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(opts.host, opts.port, (socket) => (socket ? resolve(socket) : reject(listenFailed(opts.host, opts.port))));
  });
  const port = uWS.us_socket_local_port(listenSocket as never);
  const tuning = tuneListenSocket(port);
  if (!tuning.applied) logger.warn({ port, reason: tuning.reason }, 'could not bound unsent bytes per connection; slow readers are detected in coarser steps');
  const front = installFrontHook(listenSocket);
  if (!front.installed) logger.warn({ port, reason: front.reason }, 'HTTP/1.0, Host-less, bare-LF, absolute-form, oversized and pipelined requests stay unanswered (uWS parser limits)');
  logger.info({ host: opts.host, port }, 'http server listening');

  let closed: Promise<void> | null = null;
  return {
    port,
    get draining() {
      return draining;
    },
    drain: async (graceMs) => {
      if (!Number.isFinite(graceMs) || graceMs < 0) throw invalidOption('graceMs', 'a number of milliseconds, 0 or more', graceMs);
      if (!draining) logger.info({ port, activeStreams: active.size, graceMs }, 'draining: new file requests get 503, responses in flight go on');
      draining = true;
      // Nothing new is admitted from here on, so the responses in flight now are all there is to wait for.
      const inFlight = [...active];
      if (inFlight.length === 0) return true;
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<false>((resolve) => (timer = setTimeout(resolve, graceMs, false)));
      const drained = await Promise.race([Promise.all(inFlight.map((r) => r.settled)).then(() => true), graceOver]);
      clearTimeout(timer);
      if (!drained) logger.warn({ port, left: active.size, graceMs }, 'drain grace over; the responses left will be cut');
      return drained;
    },
    stats: () => ({ activeStreams: active.size, pendingWrites: counters.pendingWrites, bytesSent: counters.bytesSent, timers: counters.timers }),
    close: () => {
      closed ??= (async () => {
        closing = true;
        uWS.us_listen_socket_close(listenSocket);
        const inFlight = [...active];
        for (const response of inFlight) response.terminate();
        // Also drops idle keep-alive connections, which would otherwise keep the process alive until they time out.
        (app as TemplatedApp & { close?: () => void }).close?.();
        await Promise.all(inFlight.map((r) => r.settled));
        logger.info({ port }, 'http server closed');
      })();
      return closed;
    },
  };
}

const READY: HealthState = { ok: true };
const DRAINING: HealthState = { ok: false, detail: { draining: true } };

/** A file route that answers 503 with Retry-After in drain mode instead of starting a response. */
function refusedWhileDraining(route: Route, draining: () => boolean): Route {
  const takeOver = route.takeOver!;
  return {
    ...route,
    takeOver: (res, req, extra) => {
      if (!draining()) return takeOver(res, req, extra);
      sendText(res, req.method === 'head', 503, 'shutting down, retry shortly', [['Retry-After', String(RETRY_AFTER_S)], ...extra]);
    },
  };
}

interface CheckedOptions {
  source: FileSource;
  host: string;
  port: number;
  maxStreams: number;
  maxStreamsPerIp: number;
  idleTimeoutMs: number;
  headersTimeoutMs: number;
  maxRanges: number;
  logger: HttpLogger;
  allowMore?: (info: FileInfo, bytesSoFar: number) => boolean;
  health?: () => HealthState;
  ready?: () => HealthState;
  routes: Route[];
  policy: HttpPolicy;
  extraRoutes?: (app: TemplatedApp) => void;
}

function checkOptions(o: HttpServerOptions): CheckedOptions {
  if (typeof o !== 'object' || o === null) throw invalidOption('options', 'an object', o);
  const { source } = o;
  if (typeof source !== 'object' || source === null || typeof source.stat !== 'function' || typeof source.open !== 'function') {
    throw invalidOption('options.source', 'a FileSource (an object with stat() and open())', source);
  }
  const host = o.host ?? '0.0.0.0';
  if (typeof host !== 'string' || host === '') throw invalidOption('options.host', 'a non-empty string', host);
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw invalidOption('options.port', 'an integer from 0 to 65535', o.port);
  const positive = (name: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!Number.isSafeInteger(value) || (value as number) < 1) throw invalidOption(`options.${name}`, 'a positive integer', value);
    return value as number;
  };
  for (const name of ['extraRoutes', 'onResponseEnd', 'allowMore', 'health', 'ready'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw invalidOption(`options.${name}`, 'a function', o[name]);
  }
  return {
    source,
    host,
    port: o.port,
    maxStreams: positive('maxStreams', o.maxStreams, DEFAULT_MAX_STREAMS),
    maxStreamsPerIp: positive('maxStreamsPerIp', o.maxStreamsPerIp, DEFAULT_MAX_STREAMS_PER_IP),
    idleTimeoutMs: positive('idleTimeoutMs', o.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS),
    headersTimeoutMs: positive('headersTimeoutMs', o.headersTimeoutMs, DEFAULT_HEADERS_TIMEOUT_MS),
    maxRanges: positive('maxRanges', o.maxRanges, DEFAULT_MAX_RANGES),
    logger: o.logger ?? defaultLogger(),
    allowMore: o.allowMore,
    health: o.health,
    ready: o.ready,
    routes: o.routes ?? [],
    policy: o.policy ?? {},
    extraRoutes: o.extraRoutes,
  };
}
