// Sliding-window arithmetic both backends share: which entries are inside the window, and what a caller is told.
// A backend stores the entry times (epoch ms) and decides atomically whether to add one; this turns the entries it
// saw into the answer, so both backends answer alike.

import { invalidArgument } from './errors.ts';
import type { SlidingWindowHit } from './types.ts';
import { checkKey } from './validate.ts';

export function checkSlidingWindow(key: unknown, windowMs: unknown, limit: unknown): void {
  checkKey(key, 'key', 512);
  if (typeof windowMs !== 'number' || !Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw invalidArgument('windowMs', 'a positive integer', windowMs);
  }
  // A limit of 0 would refuse forever with no moment to retry at; a caller that means "disabled" says so itself.
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 1) {
    throw invalidArgument('limit', 'a positive integer', limit);
  }
}

export function checkTakenAt(takenAt: unknown): number {
  if (!(takenAt instanceof Date) || Number.isNaN(takenAt.getTime())) throw invalidArgument('takenAt', 'a valid Date', takenAt);
  return takenAt.getTime();
}

/** Entries taken at or before this instant are outside the window. */
export const windowCutoff = (now: number, windowMs: number): number => now - windowMs;

/**
 * The answer for `entries` (epoch ms, live ones only, the taken one included when taken). When refused, a slot frees
 * once count - limit + 1 entries have left, i.e. when the (count - limit)-th oldest one (0-based) turns windowMs old:
 * the oldest one unless the limit was lowered below the count.
 */
export function slidingWindowHit(entries: readonly number[], windowMs: number, limit: number, takenAt: number | null): SlidingWindowHit {
  if (takenAt !== null) return { allowed: true, count: entries.length, limit, retryAt: null, takenAt: new Date(takenAt) };
  return { ...peekResult(entries, windowMs, limit), allowed: false, takenAt: null };
}

/** What a take would answer now, without taking: allowed when a slot is free. */
export function peekResult(entries: readonly number[], windowMs: number, limit: number): Omit<SlidingWindowHit, 'takenAt'> {
  const count = entries.length;
  if (count < limit) return { allowed: true, count, limit, retryAt: null };
  const sorted = [...entries].sort((a, b) => a - b);
  return { allowed: false, count, limit, retryAt: new Date(sorted[count - limit]! + windowMs) };
}
