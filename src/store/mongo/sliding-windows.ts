// Sliding windows of the MongoDB backend: one document per key holding the times of its taken slots. A take is a
// single findOneAndUpdate whose update pipeline drops entries that left the window, decides whether a slot is free
// and appends one only then; MongoDB applies a pipeline to one document atomically, so two instances taking at
// count = limit - 1 cannot both succeed.

import type { Document } from 'mongodb';
import { checkSlidingWindow, checkTakenAt, peekResult, slidingWindowHit, windowCutoff } from '../sliding-window.ts';
import type { SlidingWindowHit } from '../types.ts';
import { checkKey } from '../validate.ts';
import { MongoCounterStore } from './counters.ts';
import { isDuplicateKey } from './transient.ts';

function takePipeline(now: Date, windowMs: number, limit: number): Document[] {
  const cutoff = new Date(windowCutoff(now.getTime(), windowMs));
  const leavesAt = new Date(now.getTime() + windowMs);
  return [
    { $set: { entries: { $filter: { input: { $ifNull: ['$entries', []] }, cond: { $gt: ['$$this', cutoff] } } } } },
    { $set: { taken: { $lt: [{ $size: '$entries' }, limit] } } },
    {
      $set: {
        entries: { $cond: ['$taken', { $concatArrays: ['$entries', [now]] }, '$entries'] },
        expires_at: { $cond: ['$taken', { $max: [{ $ifNull: ['$expires_at', leavesAt] }, leavesAt] }, '$expires_at'] },
      },
    },
  ];
}

/** Removes one entry equal to takenAt (by position, so of two entries in one millisecond only one goes). */
function releasePipeline(takenAt: Date): Document[] {
  return [{
    $set: {
      entries: {
        $let: {
          vars: { at: { $indexOfArray: ['$entries', takenAt] } },
          in: {
            $map: {
              input: { $filter: { input: { $range: [0, { $size: '$entries' }] }, cond: { $ne: ['$$this', '$$at'] } } },
              in: { $arrayElemAt: ['$entries', '$$this'] },
            },
          },
        },
      },
    },
  }];
}

export abstract class MongoSlidingWindowStore extends MongoCounterStore {
  // Neither a take nor a release falls back to memory during an outage: a slot counted in one process only would
  // let each instance hand out a full day's quota. They fail with SB_ERR_STORE_UNAVAILABLE instead, as registering
  // the file the slot pays for would.

  async takeSlidingWindow(key: string, windowMs: number, limit: number): Promise<SlidingWindowHit> {
    checkSlidingWindow(key, windowMs, limit);
    const now = new Date(this.now());
    const take = () => this.c.slidingWindows.findOneAndUpdate({ _id: key }, takePipeline(now, windowMs, limit), {
      upsert: true, returnDocument: 'after',
    });
    const doc = await this.call('taking a sliding-window slot', async () => {
      try {
        return (await take())!;
      } catch (err) {
        // Two first takes can race to insert the document; the loser's retry finds it.
        if (isDuplicateKey(err)) return (await take())!;
        throw err;
      }
    }, { idempotent: false });
    return slidingWindowHit(doc.entries.map((d) => d.getTime()), windowMs, limit, doc.taken ? now.getTime() : null);
  }

  async releaseSlidingWindow(key: string, takenAt: Date): Promise<boolean> {
    checkKey(key, 'key', 512);
    const at = new Date(checkTakenAt(takenAt));
    const res = await this.call('releasing a sliding-window slot', () =>
      this.c.slidingWindows.updateOne({ _id: key, entries: at }, releasePipeline(at)), { idempotent: false });
    return res.matchedCount > 0;
  }

  async peekSlidingWindow(key: string, windowMs: number, limit: number): Promise<Omit<SlidingWindowHit, 'takenAt'>> {
    checkSlidingWindow(key, windowMs, limit);
    const doc = await this.call('reading a sliding window', () => this.c.slidingWindows.findOne({ _id: key }), { idempotent: true });
    const cutoff = windowCutoff(this.now(), windowMs);
    const live = (doc?.entries ?? []).map((d) => d.getTime()).filter((t) => t > cutoff);
    return peekResult(live, windowMs, limit);
  }

  /** Deletes the documents of keys whose every entry has left its window; returns how many. */
  protected async sweepSlidingWindows(now: Date): Promise<number> {
    const res = await this.call('sweeping sliding windows', () => this.c.slidingWindows.deleteMany({ expires_at: { $lte: now } }), { idempotent: true });
    return res.deletedCount;
  }
}
