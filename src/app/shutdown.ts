// How StreamBot winds down: the HTTP server drains (no new file responses, /readyz 503) while live streams may
// finish for a grace period, then the rest is closed in order, each step on its own so one failure does not leave
// the store open.
import type { Logger } from 'pino';
import type { HttpServer } from '../http/index.ts';

export interface ShutdownOptions {
  /** How long live streams may finish before they are cut; default 30000. 0 cuts them at once. */
  graceMs?: number;
}

export interface ShutdownReport {
  /** Every stream in flight ended within the grace period. */
  drained: boolean;
  /** Steps that failed (logged), by name. */
  failedSteps: string[];
}

export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export type CloseStep = readonly [name: string, run: () => unknown];

/** Runs every step in order, each even when an earlier one failed; returns the names of those that threw. */
export async function closeInOrder(steps: readonly CloseStep[], logger: Logger): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, run] of steps) {
    try {
      logger.debug({ step: name }, 'shutdown step');
      await run();
    } catch (err) {
      failed.push(name);
      logger.error({ err, step: name }, 'a shutdown step failed; going on with the next');
    }
  }
  return failed;
}

/**
 * Drains the HTTP server for up to graceMs, then runs close (which cuts the streams left). Drain mode starts in the
 * caller's tick, so /readyz answers 503 from the moment this is called.
 */
export async function drainThenClose(o: { http: HttpServer; graceMs: number; close: () => Promise<string[]>; logger: Logger }): Promise<ShutdownReport> {
  const started = o.http.stats().activeStreams;
  const drained = await o.http.drain(o.graceMs);
  o.logger.info({ streamsAtStart: started, streamsCut: o.http.stats().activeStreams, drained }, 'streams drained; closing');
  const failedSteps = await o.close();
  return { drained, failedSteps };
}
