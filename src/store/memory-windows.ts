// Rate-limit windows kept in this process while the database is unreachable (or, for SQLite, locked past
// busy_timeout). They are per instance (several instances each allow `limit`), which is the price of staying up;
// they are not written back because a window is over long before it would matter.

import { windowBounds } from './shared.ts';

export class MemoryWindows {
  readonly #counts = new Map<string, { count: number; end: number }>();

  hit(key: string, windowMs: number, now: number): { count: number; end: number } {
    const { start, end } = windowBounds(now, windowMs);
    const id = `${key}|${start}`;
    const entry = this.#counts.get(id) ?? { count: 0, end };
    entry.count++;
    this.#counts.set(id, entry);
    this.#prune(now);
    return entry;
  }

  #prune(now: number): void {
    if (this.#counts.size < 1024) return;
    for (const [id, e] of this.#counts) if (e.end <= now) this.#counts.delete(id);
  }
}
