// Supervisor options: defaults and validation. Errors name the option path, the way piscina does.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RestartOptions } from './restart-budget.ts';
import { createLogger } from '../../src/log/create.ts';
import type { LogMethods } from '../../src/log/types.ts';

/** The pino methods the supervisor uses; any pino logger (or child) fits. */
export type Logger = LogMethods;

export interface SupervisorOptions<Spec = unknown> {
  /** Path or file: URL of the session worker's .ts entry (the real gramjs worker, or a test fake). */
  workerEntry: string | URL;
  /** One opaque spec per session, passed to its worker as workerData.session. Never logged. */
  sessions: readonly Spec[];
  /** Calls one session may have in flight at once. Default 4. */
  inFlightPerSession?: number;
  /** Interval between heartbeat pings. Default 10 000. */
  heartbeatMs?: number;
  /** How long a ping may take before the worker counts as hung. Default heartbeatMs. */
  heartbeatTimeoutMs?: number;
  restart?: Partial<RestartOptions>;
  /** Time allowed for a worker's start() handshake. Default 30 000. */
  startTimeoutMs?: number;
  /**
   * A fetchBlock/resolveFile call times out (and its job moves to another session) once its session has completed
   * nothing for this long. Default 30 000.
   */
  callTimeoutMs?: number;
  /**
   * A queued job fails with SB_ERR_STALLED once no session has completed anything for this long, and with
   * SB_ERR_BLOCK_RETRIES_EXHAUSTED once its own request has kept failing (500, TIMEOUT) for this long. Default 90 000.
   */
  stallTimeoutMs?: number;
  /** Backoff before a job goes back to a session it failed on: full jitter from baseMs doubling to maxMs. */
  retry?: { baseMs?: number; maxMs?: number };
  /** Grace period for a worker's stop() during supervisor.stop() before it is terminated. Default 2 000. */
  stopTimeoutMs?: number;
  logger?: Logger;
}

export interface ResolvedOptions<Spec> {
  workerEntry: string;
  sessions: readonly Spec[];
  inFlightPerSession: number;
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  restart: RestartOptions;
  startTimeoutMs: number;
  callTimeoutMs: number;
  stallTimeoutMs: number;
  retry: { baseMs: number; maxMs: number };
  stopTimeoutMs: number;
  logger: Logger;
}

function invalid(kind: 'type' | 'range', message: string): Error {
  const err = kind === 'type' ? new TypeError(message) : new RangeError(message);
  return Object.assign(err, { code: 'SB_ERR_INVALID_OPTION' });
}

function positiveInt(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid('type', `${path} must be a positive integer`);
  if (value <= 0) throw invalid('range', `${path} must be a positive integer`);
  return value;
}

function resolveEntry(entry: unknown): string {
  let path: string;
  if (entry instanceof URL) path = fileURLToPath(entry);
  else if (typeof entry === 'string' && entry.startsWith('file:')) path = fileURLToPath(entry);
  else if (typeof entry === 'string' && entry.length > 0) path = isAbsolute(entry) ? entry : resolve(entry);
  else throw invalid('type', 'options.workerEntry must be a path or file: URL of the session worker entry');
  if (!existsSync(path)) throw invalid('type', `options.workerEntry: no such file ${path}`);
  return path;
}

export function resolveOptions<Spec>(opts: SupervisorOptions<Spec>): ResolvedOptions<Spec> {
  if (typeof opts !== 'object' || opts === null) throw invalid('type', 'options must be an object');
  const workerEntry = resolveEntry(opts.workerEntry);
  if (!Array.isArray(opts.sessions) || opts.sessions.length === 0) {
    throw invalid('type', 'options.sessions must be a non-empty array of session specs');
  }
  const heartbeatMs = positiveInt('options.heartbeatMs', opts.heartbeatMs, 10_000);
  const r = opts.restart ?? {};
  if (typeof r !== 'object' || r === null) throw invalid('type', 'options.restart must be an object');
  const restart: RestartOptions = {
    baseMs: positiveInt('options.restart.baseMs', r.baseMs, 500),
    maxMs: positiveInt('options.restart.maxMs', r.maxMs, 30_000),
    maxRestarts: positiveInt('options.restart.maxRestarts', r.maxRestarts, 5),
    windowMs: positiveInt('options.restart.windowMs', r.windowMs, 60_000),
    failedBaseMs: positiveInt('options.restart.failedBaseMs', r.failedBaseMs, 30_000),
    failedMaxMs: positiveInt('options.restart.failedMaxMs', r.failedMaxMs, 600_000),
  };
  if (restart.failedMaxMs < restart.failedBaseMs) throw invalid('range', 'options.restart.failedMaxMs must be >= options.restart.failedBaseMs');
  const rt = opts.retry ?? {};
  if (typeof rt !== 'object' || rt === null) throw invalid('type', 'options.retry must be an object');
  const retry = { baseMs: positiveInt('options.retry.baseMs', rt.baseMs, 200), maxMs: positiveInt('options.retry.maxMs', rt.maxMs, 5_000) };
  if (retry.maxMs < retry.baseMs) throw invalid('range', 'options.retry.maxMs must be >= options.retry.baseMs');
  if (restart.maxMs < restart.baseMs) throw invalid('range', 'options.restart.maxMs must be >= options.restart.baseMs');
  const logger = opts.logger ?? createLogger().child({ name: 'supervisor' });
  for (const method of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger[method] !== 'function') throw invalid('type', `options.logger.${method} must be a function`);
  }
  return {
    workerEntry,
    sessions: opts.sessions,
    inFlightPerSession: positiveInt('options.inFlightPerSession', opts.inFlightPerSession, 4),
    heartbeatMs,
    heartbeatTimeoutMs: positiveInt('options.heartbeatTimeoutMs', opts.heartbeatTimeoutMs, heartbeatMs),
    restart,
    startTimeoutMs: positiveInt('options.startTimeoutMs', opts.startTimeoutMs, 30_000),
    callTimeoutMs: positiveInt('options.callTimeoutMs', opts.callTimeoutMs, 30_000),
    stallTimeoutMs: positiveInt('options.stallTimeoutMs', opts.stallTimeoutMs, 90_000),
    retry,
    stopTimeoutMs: positiveInt('options.stopTimeoutMs', opts.stopTimeoutMs, 2_000),
    logger,
  };
}
