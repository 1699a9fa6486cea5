// Counters of the MongoDB backend: bandwidth, download and stream counts, rate-limit windows. Each is an `$inc` with
// upsert on a fixed key, never a read-modify-write, so several StreamBot instances sharing a database enforce one
// quota and lose no update.

import type { AnyBulkWriteOperation } from 'mongodb';
import type { CounterBatch } from '../counter-buffer.ts';
import { unavailable } from '../errors.ts';
import { windowBounds, windowHit } from '../shared.ts';
import type { WindowHit } from '../types.ts';
import { checkWindow } from '../validate.ts';
import { bandwidthId, type FileDoc } from './collections.ts';
import { OutageFallbackStore } from './outage-fallback.ts';
import { isDuplicateKey, safeMessage } from './transient.ts';

export abstract class MongoCounterStore extends OutageFallbackStore {
  // Bandwidth and file counters

  protected async storedUsage(month: string, userId: number | null): Promise<number> {
    const key = bandwidthId(month, userId);
    const stored = await this.call('reading bandwidth usage', async () => (await this.c.bandwidth.findOne({ _id: key }))?.bytes ?? 0, {
      idempotent: true,
      // The last value read, so quotas keep being enforced (approximately) during an outage.
      fallback: () => this.cache.usage.get(key) ?? 0,
    });
    this.cache.usage.set(key, stored);
    return stored;
  }

  protected async writeCounters(batch: CounterBatch): Promise<void> {
    if (this.degraded) throw unavailable('writing counters');
    // Each part leaves the batch once written, so a failure in a later part does not count an earlier one twice.
    if (batch.files.length) {
      const ops: AnyBulkWriteOperation<FileDoc>[] = batch.files.map((f) => ({
        updateOne: { filter: { _id: f.id }, update: { $inc: { download_count: f.downloads, stream_count: f.streams } } },
      }));
      await this.call('writing counters', () => this.c.files.bulkWrite(ops, { ordered: false }), { idempotent: false });
      batch.files = [];
    }
    if (batch.bandwidth.length) {
      await this.call('writing counters', () => this.c.bandwidth.bulkWrite(batch.bandwidth.map((d) => ({
        updateOne: {
          filter: { _id: bandwidthId(d.month, d.userId) },
          update: { $inc: { bytes: d.bytes }, $setOnInsert: { month: d.month, user_id: d.userId } },
          upsert: true,
        },
      })), { ordered: false }), { idempotent: false });
      const perUser = batch.bandwidth.filter((d) => d.userId !== null);
      batch.bandwidth = [];
      if (perUser.length) {
        await this.c.users.bulkWrite(perUser.map((d) => ({
          updateOne: { filter: { user_id: d.userId! }, update: { $inc: { bandwidth_used: d.bytes } } },
        })), { ordered: false }).catch((err) => {
          // Monthly usage (what quotas read) is written; only the lifetime total misses these bytes.
          this.log.warn({ err: safeMessage(err) }, 'could not add to users.bandwidth_used');
        });
      }
    }
  }

  // Rate limits

  async hitWindow(key: string, windowMs: number, limit: number): Promise<WindowHit> {
    checkWindow(key, windowMs, limit);
    const now = this.now();
    const { start, end } = windowBounds(now, windowMs);
    const hit = () => this.c.rateWindows.findOneAndUpdate(
      { _id: `${key}|${start}` },
      { $inc: { count: 1 }, $setOnInsert: { key, window_start: new Date(start), expires_at: new Date(end) } },
      { upsert: true, returnDocument: 'after' },
    );
    const fallback = () => this.memoryWindows.hit(key, windowMs, now).count;
    const count = await this.call('counting a rate-limit hit', async () => {
      try {
        return (await hit())!.count;
      } catch (err) {
        // Two first hits can race to insert the window; the loser's retry finds it and increments.
        if (isDuplicateKey(err)) return (await hit())!.count;
        throw err;
      }
    }, { idempotent: false, fallback });
    return windowHit(count, limit, end);
  }
}
