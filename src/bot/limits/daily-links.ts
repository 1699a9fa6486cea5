// MAX_LINKS_PER_DAY: a sliding 24-hour window per user, kept in the store so it survives restarts and holds
// across instances. A slot is taken before the file is copied and given back if the copy fails.

import type { Store } from '../../store/index.ts';

export const DAY_MS = 24 * 60 * 60 * 1000;

export type LinkSlot = { ok: true; release(): Promise<void> } | { ok: false; limit: number; retryAt: Date | null };

const NO_SLOT = { ok: true as const, release: async () => {} };

export class DailyLinks {
  readonly #store: Store;
  readonly limit: number;

  constructor(store: Store, limit: number) {
    this.#store = store;
    this.limit = limit;
  }

  async take(userId: number, exempt: boolean): Promise<LinkSlot> {
    if (this.limit <= 0 || exempt) return NO_SLOT;
    const key = `links:${userId}`;
    const hit = await this.#store.takeSlidingWindow(key, DAY_MS, this.limit);
    if (!hit.allowed || !hit.takenAt) return { ok: false, limit: this.limit, retryAt: hit.retryAt };
    const takenAt = hit.takenAt;
    let released = false;
    return {
      ok: true,
      release: async () => {
        if (released) return;
        released = true;
        await this.#store.releaseSlidingWindow(key, takenAt);
      },
    };
  }
}
