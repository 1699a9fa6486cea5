// Monthly bandwidth quotas (BANDWIDTH_LIMIT_GB for everyone together, USER_BANDWIDTH_LIMIT_GB per user). The bot
// asks before making a new link; the HTTP side asks before starting a download. Usage is read from the store and
// cached briefly, since the HTTP side asks on every request.

import type { Store } from '../store/index.ts';

export type QuotaVerdict = { ok: true } | { ok: false; scope: 'global' | 'user'; resetsAt: Date };

export interface BandwidthQuota {
  check(userId?: number): Promise<QuotaVerdict>;
}

export interface BandwidthQuotaOptions {
  store: Store;
  /** 0 = no global limit. */
  globalLimitBytes: number;
  /** 0 = no per-user limit. */
  userLimitBytes: number;
  now?: () => number;
  /** How long a usage figure is reused (default 5000 ms; 0 reads the store every time). */
  cacheMs?: number;
}

/** The first instant of the UTC month after the one containing `now`. */
export function nextMonthStart(now: number): Date {
  const d = new Date(now);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

export function createBandwidthQuota(o: BandwidthQuotaOptions): BandwidthQuota {
  for (const key of ['globalLimitBytes', 'userLimitBytes'] as const) {
    if (!Number.isFinite(o[key]) || o[key] < 0) throw new RangeError(`${key} must be a number of bytes ≥ 0 (got ${o[key]})`);
  }
  const now = o.now ?? Date.now;
  const cacheMs = o.cacheMs ?? 5000;
  const cache = new Map<string, { bytes: number; month: string; at: number }>();

  async function usage(userId: number | null): Promise<number> {
    const t = now();
    const month = new Date(t).toISOString().slice(0, 7);
    const key = userId === null ? 'global' : String(userId);
    const hit = cache.get(key);
    if (hit && hit.month === month && t - hit.at < cacheMs) return hit.bytes;
    const { bytes } = await o.store.getMonthlyUsage(userId, month);
    if (cacheMs > 0) {
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { bytes, month, at: t });
    }
    return bytes;
  }

  return {
    async check(userId) {
      if (o.globalLimitBytes > 0 && (await usage(null)) >= o.globalLimitBytes) {
        return { ok: false, scope: 'global', resetsAt: nextMonthStart(now()) };
      }
      if (userId !== undefined && o.userLimitBytes > 0 && (await usage(userId)) >= o.userLimitBytes) {
        return { ok: false, scope: 'user', resetsAt: nextMonthStart(now()) };
      }
      return { ok: true };
    },
  };
}
