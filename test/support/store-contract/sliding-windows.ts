// Contract cases for sliding windows (a user's daily link limit): the window slides with the clock, a slot can be
// given back, and instances sharing a database hand out one quota.

import assert from 'node:assert/strict';
import { START, rejectsWith, type AddCase } from './fixture.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export function slidingWindowCases(add: AddCase): void {
  add({
    name: 'sliding windows: a true 24-hour window; an entry exactly windowMs old is outside; retryAt is when a slot frees',
    async run({ open, clock }) {
      const s = await open();
      const other = await open();
      const first = await s.takeSlidingWindow('links:1', DAY, 3);
      assert.deepEqual(first, { allowed: true, count: 1, limit: 3, retryAt: null, takenAt: new Date(START) });
      clock.t = START + HOUR;
      assert.equal((await s.takeSlidingWindow('links:1', DAY, 3)).count, 2);
      clock.t = START + 2 * HOUR;
      assert.equal((await other.takeSlidingWindow('links:1', DAY, 3)).count, 3, 'instances share one window');
      clock.t = START + 3 * HOUR;
      const refused = await s.takeSlidingWindow('links:1', DAY, 3);
      assert.deepEqual(refused, { allowed: false, count: 3, limit: 3, retryAt: new Date(START + DAY), takenAt: null });
      assert.deepEqual(await other.peekSlidingWindow('links:1', DAY, 3), { allowed: false, count: 3, limit: 3, retryAt: new Date(START + DAY) });
      // A lowered limit frees a slot only once enough entries have left: here the second oldest.
      assert.equal((await s.peekSlidingWindow('links:1', DAY, 2)).retryAt?.getTime(), START + HOUR + DAY);
      assert.deepEqual(await s.peekSlidingWindow('links:2', DAY, 3), { allowed: true, count: 0, limit: 3, retryAt: null }, 'keys are independent');

      clock.t = START + DAY - 1;
      assert.equal((await s.takeSlidingWindow('links:1', DAY, 3)).allowed, false, 'refusals are not stored');
      clock.t = START + DAY;
      const again = await s.takeSlidingWindow('links:1', DAY, 3);
      assert.deepEqual(again, { allowed: true, count: 3, limit: 3, retryAt: null, takenAt: new Date(START + DAY) });
      assert.deepEqual(await other.peekSlidingWindow('links:1', DAY, 3), { allowed: false, count: 3, limit: 3, retryAt: new Date(START + HOUR + DAY) });

      for (const [key, windowMs, limit] of [['', DAY, 1], ['k', 0, 1], ['k', 1.5, 1], ['k', DAY, 0], ['k', DAY, -1], ['k', DAY, 2.5]] as const) {
        await rejectsWith(s.takeSlidingWindow(key, windowMs, limit), 'SB_ERR_STORE_INVALID_ARGUMENT');
        await rejectsWith(s.peekSlidingWindow(key, windowMs, limit), 'SB_ERR_STORE_INVALID_ARGUMENT');
      }
      await rejectsWith(s.releaseSlidingWindow('links:1', new Date(Number.NaN)), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.releaseSlidingWindow('links:1', START as unknown as Date), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.releaseSlidingWindow('', new Date(START)), 'SB_ERR_STORE_INVALID_ARGUMENT');
      assert.equal((await s.peekSlidingWindow('links:1', DAY, 3)).count, 3, 'refused calls changed nothing');
    },
  });
  add({
    name: 'sliding windows: releasing gives back exactly one slot, also of entries taken in one millisecond',
    async run({ open, clock }) {
      const a = await open();
      const b = await open();
      // An album of three files takes three slots in one instant.
      const album = [];
      for (let i = 0; i < 3; i++) album.push(await a.takeSlidingWindow('links:5', DAY, 4));
      assert.deepEqual(album.map((h) => [h.allowed, h.count, h.takenAt?.getTime()]), [[true, 1, START], [true, 2, START], [true, 3, START]]);
      clock.t = START + 10;
      const single = await a.takeSlidingWindow('links:5', DAY, 4);
      assert.equal((await a.takeSlidingWindow('links:5', DAY, 4)).allowed, false);

      assert.equal(await b.releaseSlidingWindow('links:5', album[0]!.takenAt!), true);
      assert.equal((await a.peekSlidingWindow('links:5', DAY, 4)).count, 3, 'one of the three is released, not all');
      clock.t = START + 20;
      const retaken = await a.takeSlidingWindow('links:5', DAY, 4);
      assert.deepEqual([retaken.allowed, retaken.count], [true, 4]);
      assert.equal(await a.releaseSlidingWindow('links:5', single.takenAt!), true);
      assert.equal(await a.releaseSlidingWindow('links:5', single.takenAt!), false, 'that slot is already given back');
      assert.equal(await a.releaseSlidingWindow('links:5', new Date(START + 5)), false, 'nothing was taken then');
      assert.equal(await a.releaseSlidingWindow('links:6', new Date(START)), false, 'unknown key');
      assert.equal(await b.releaseSlidingWindow('links:5', new Date(START)), true);
      assert.equal(await b.releaseSlidingWindow('links:5', new Date(START)), true);
      assert.equal(await b.releaseSlidingWindow('links:5', retaken.takenAt!), true);
      assert.equal(await b.releaseSlidingWindow('links:5', new Date(START)), false);
      assert.deepEqual(await a.peekSlidingWindow('links:5', DAY, 4), { allowed: true, count: 0, limit: 4, retryAt: null });
    },
  });
  add({
    name: 'sliding windows: concurrent takes at count = limit - 1 from two instances: exactly one succeeds',
    async run({ open }) {
      const a = await open();
      const b = await open();
      for (let i = 0; i < 4; i++) await a.takeSlidingWindow('links:9', DAY, 5);
      const hits = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).takeSlidingWindow('links:9', DAY, 5)));
      assert.equal(hits.filter((h) => h.allowed).length, 1);
      assert.ok(hits.every((h) => h.count === 5), `every caller sees the full window: ${hits.map((h) => h.count)}`);
      assert.equal((await b.peekSlidingWindow('links:9', DAY, 5)).count, 5);
      // Concurrent first takes of a fresh key race to create it: none may fail and none may be lost.
      const fresh = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).takeSlidingWindow('links:10', DAY, 4)));
      assert.deepEqual(fresh.filter((h) => h.allowed).map((h) => h.count).sort(), [1, 2, 3, 4]);
    },
  });
  add({
    name: 'sliding windows: entries that left their window are swept, live ones stay',
    async run({ open, clock }) {
      const s = await open();
      await s.takeSlidingWindow('links:old', HOUR, 2);
      clock.t = START + HOUR / 2;
      await s.takeSlidingWindow('links:live', HOUR, 2);
      assert.equal((await s.sweepExpired()).slidingWindows, 0, 'nothing has left its window yet');
      clock.t = START + HOUR;
      assert.equal((await s.sweepExpired()).slidingWindows, 1);
      assert.equal((await s.peekSlidingWindow('links:old', HOUR, 2)).count, 0);
      assert.equal((await s.peekSlidingWindow('links:live', HOUR, 2)).count, 1);
      assert.equal(await s.releaseSlidingWindow('links:old', new Date(START)), false, 'a swept entry is gone');
    },
  });
}
