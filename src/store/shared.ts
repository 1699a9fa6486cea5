// Small pieces both backends share: window arithmetic, user-id iteration, the default logger.

import type { Logger } from 'pino';
import { createLogger } from '../log/index.ts';
import type { WindowHit } from './types.ts';

export const DEFAULT_FLUSH_INTERVAL_MS = 2000;
export const DEFAULT_SWEEP_INTERVAL_MS = 10 * 60_000;
export const DEFAULT_EXPIRED_RETENTION_MS = 30 * 86_400_000;

/** Fixed windows aligned on the epoch, so every instance computes the same window for the same instant. */
export function windowBounds(now: number, windowMs: number): { start: number; end: number } {
  const start = Math.floor(now / windowMs) * windowMs;
  return { start, end: start + windowMs };
}

export const windowHit = (count: number, limit: number, end: number): WindowHit => ({
  allowed: count <= limit,
  count,
  limit,
  resetAt: new Date(end),
});

/** Walks user ids page by page (keyset on user_id) so a broadcast never loads every user at once. */
export async function* iterateUserIds(
  fetchPage: (afterUserId: number, limit: number) => Promise<number[]>,
  pageSize: number,
): AsyncGenerator<number> {
  let after = 0;
  for (;;) {
    const ids = await fetchPage(after, pageSize);
    yield* ids;
    if (ids.length < pageSize) return;
    after = ids[ids.length - 1]!;
  }
}

export const defaultLogger = (): Logger => createLogger().child({ component: 'store' });

/** Runs fn on a repeating unref'd timer; returns a stop function. */
export function every(ms: number, fn: () => void): () => void {
  if (ms <= 0) return () => {};
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
}
