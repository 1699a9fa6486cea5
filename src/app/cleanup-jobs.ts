// Periodic housekeeping (the store's sweep of expired rows, and whatever else registers): each job runs on its own
// timer, never twice at once, and keeps its last run (when, how long, what it returned or why it failed) for the
// operators' /api/stats. Stopped on shutdown before the store closes, waiting for a run in progress.
import type { Logger } from 'pino';
import type { ApiJobReport } from '../api/context.ts';

export interface CleanupJob {
  /** Stable name, shown in reports and logs, e.g. 'store.sweepExpired'. */
  name: string;
  /** Time between the end of one run and the start of the next. */
  everyMs: number;
  /** The work; its resolved value is kept as the last result (keep it small and JSON-serialisable). */
  run: () => unknown;
}

/** One job's state: the shape /api/stats shows (defined with the API that publishes it). */
export type CleanupJobReport = ApiJobReport;

export interface CleanupScheduler {
  register(job: CleanupJob): void;
  /** Every job's state, in registration order. */
  report(): CleanupJobReport[];
  /** Runs a job now (unless it is running) and resolves when that run is over. */
  runNow(name: string): Promise<void>;
  /** No more runs; resolves once the runs in progress are over. Idempotent. */
  stop(): Promise<void>;
}

export const STORE_SWEEP_EVERY_MS = 10 * 60_000;

interface Entry {
  job: CleanupJob;
  timer?: NodeJS.Timeout;
  nextRunAt: number | null;
  current?: Promise<void>;
  runs: number;
  failures: number;
  lastRunAt: number | null;
  lastDurationMs: number | null;
  lastResult: unknown;
  lastError: { message: string; code?: string } | null;
}

function describe(err: unknown): { message: string; code?: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? { message: err.message, code } : { message: err.message };
  }
  return { message: String(err) };
}

export function createCleanupScheduler(o: { logger: Logger; now?: () => number }): CleanupScheduler {
  const now = o.now ?? Date.now;
  const entries = new Map<string, Entry>();
  let stopped = false;

  const schedule = (e: Entry) => {
    if (stopped) return;
    e.nextRunAt = now() + e.job.everyMs;
    // Housekeeping alone must not keep the process alive.
    e.timer = setTimeout(() => void start(e), e.job.everyMs).unref();
  };

  const start = (e: Entry): Promise<void> => {
    if (e.current) return e.current;
    clearTimeout(e.timer);
    e.nextRunAt = null;
    const startedAt = now();
    e.current = (async () => {
      try {
        e.lastResult = await e.job.run();
        e.lastError = null;
        o.logger.debug({ job: e.job.name, result: e.lastResult }, 'cleanup job done');
      } catch (err) {
        e.failures += 1;
        e.lastError = describe(err);
        o.logger.warn({ job: e.job.name, err }, 'cleanup job failed; it runs again at its next time');
      } finally {
        e.runs += 1;
        e.lastRunAt = startedAt;
        e.lastDurationMs = Math.max(0, now() - startedAt);
        e.current = undefined;
        schedule(e);
      }
    })();
    return e.current;
  };

  return {
    register(job) {
      if (stopped) throw new Error(`cleanup job ${job.name} registered after the scheduler stopped`);
      if (typeof job.name !== 'string' || job.name === '') throw new TypeError('job.name must be a non-empty string');
      if (entries.has(job.name)) throw new Error(`a cleanup job named ${job.name} is already registered`);
      if (!Number.isSafeInteger(job.everyMs) || job.everyMs < 1) throw new RangeError(`job.everyMs of ${job.name} must be a positive whole number of milliseconds (got ${job.everyMs})`);
      if (typeof job.run !== 'function') throw new TypeError(`job.run of ${job.name} must be a function`);
      const e: Entry = { job, nextRunAt: null, runs: 0, failures: 0, lastRunAt: null, lastDurationMs: null, lastResult: null, lastError: null };
      entries.set(job.name, e);
      schedule(e);
    },
    report: () => [...entries.values()].map((e) => ({
      name: e.job.name,
      everyMs: e.job.everyMs,
      running: e.current !== undefined,
      runs: e.runs,
      failures: e.failures,
      lastRunAt: e.lastRunAt === null ? null : new Date(e.lastRunAt).toISOString(),
      lastDurationMs: e.lastDurationMs,
      lastResult: e.lastResult,
      lastError: e.lastError,
      nextRunAt: e.nextRunAt === null ? null : new Date(e.nextRunAt).toISOString(),
    })),
    runNow(name) {
      const e = entries.get(name);
      if (!e) return Promise.reject(new Error(`no cleanup job named ${name}`));
      if (stopped) return Promise.reject(new Error(`cleanup job ${name} cannot run: the scheduler stopped`));
      return start(e);
    },
    async stop() {
      stopped = true;
      for (const e of entries.values()) {
        clearTimeout(e.timer);
        e.nextRunAt = null;
      }
      await Promise.all([...entries.values()].map((e) => e.current));
    },
  };
}
