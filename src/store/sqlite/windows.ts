// Sliding windows of the embedded backend: one row per taken slot. A take counts and inserts inside one IMMEDIATE
// transaction, which holds the database's write lock from its first statement, so two processes on one file cannot
// both see count = limit - 1 and both insert.

import type Database from 'better-sqlite3';
import { peekResult, slidingWindowHit, windowCutoff } from '../sliding-window.ts';
import type { SlidingWindowHit } from '../types.ts';

export class SqliteSlidingWindows {
  readonly #take: (key: string, windowMs: number, limit: number, now: number) => SlidingWindowHit;
  readonly #live;
  readonly #release;
  readonly #sweep;

  constructor(db: Database.Database) {
    this.#live = db.prepare<unknown[], { taken_at: number }>(
      'SELECT taken_at FROM sliding_windows WHERE key = ? AND taken_at > ?');
    const insert = db.prepare('INSERT INTO sliding_windows (key, taken_at, expires_at) VALUES (?, ?, ?)');
    // rowid picks exactly one of several rows taken in the same millisecond.
    this.#release = db.prepare(`
      DELETE FROM sliding_windows WHERE rowid =
        (SELECT rowid FROM sliding_windows WHERE key = ? AND taken_at = ? LIMIT 1)`);
    this.#sweep = db.prepare('DELETE FROM sliding_windows WHERE expires_at <= ?');
    const take = db.transaction((key: string, windowMs: number, limit: number, now: number): SlidingWindowHit => {
      const live = this.#entries(key, windowMs, now);
      if (live.length >= limit) return slidingWindowHit(live, windowMs, limit, null);
      insert.run(key, now, now + windowMs);
      return slidingWindowHit([...live, now], windowMs, limit, now);
    });
    this.#take = (...args) => take.immediate(...args);
  }

  take(key: string, windowMs: number, limit: number, now: number): SlidingWindowHit {
    return this.#take(key, windowMs, limit, now);
  }

  release(key: string, takenAt: number): boolean {
    return this.#release.run(key, takenAt).changes > 0;
  }

  peek(key: string, windowMs: number, limit: number, now: number): Omit<SlidingWindowHit, 'takenAt'> {
    return peekResult(this.#entries(key, windowMs, now), windowMs, limit);
  }

  /** Deletes entries that have left their window; returns how many. */
  sweep(now: number): number {
    return this.#sweep.run(now).changes;
  }

  #entries(key: string, windowMs: number, now: number): number[] {
    return this.#live.all(key, windowCutoff(now, windowMs)).map((r) => r.taken_at);
  }
}
