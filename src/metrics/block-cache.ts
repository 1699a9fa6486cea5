// The shared block cache seen from Prometheus: what it holds and how often viewers shared a block instead of
// fetching it again.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { BlockCacheStats } from '../streaming/index.ts';

export function blockCacheMetrics(o: { registry: Registry; stats: () => BlockCacheStats }): void {
  const registers = [o.registry];
  new Gauge({
    name: 'streambot_block_cache_bytes',
    help: 'Bytes of fetched blocks in the shared block cache: held by streams (leased) or kept for the next viewer (kept).',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const s = o.stats();
      this.set({ state: 'leased' }, s.leasedBytes);
      this.set({ state: 'kept' }, s.keptBytes);
    },
  });
  // Counters follow the cache's own totals: each scrape adds what happened since the last one.
  const seen = { hits: 0, joins: 0, misses: 0, evictions: 0 };
  const lookups = new Counter({
    name: 'streambot_block_cache_lookups_total',
    help: 'Blocks streams asked the cache for: hit (fetched already), join (being fetched for another stream), miss (fetched now).',
    labelNames: ['result'] as const,
    registers,
    collect() {
      const s = o.stats();
      for (const [key, result] of [['hits', 'hit'], ['joins', 'join'], ['misses', 'miss']] as const) {
        lookups.inc({ result }, Math.max(0, s[key] - seen[key]));
        seen[key] = s[key];
      }
    },
  });
  const evictions = new Counter({
    name: 'streambot_block_cache_evictions_total',
    help: 'Kept blocks dropped to stay within the cache size or to make room for blocks someone waits for.',
    registers,
    collect() {
      const s = o.stats();
      evictions.inc(Math.max(0, s.evictions - seen.evictions));
      seen.evictions = s.evictions;
    },
  });
}
