// Contract cases for rate limits, and for increments from several instances at once.

import assert from 'node:assert/strict';
import { file, rejectsWith, type AddCase } from './fixture.ts';

export function rateLimitCases(add: AddCase): void {
  add({
    name: 'concurrency: two instances incrementing at once lose no update',
    async run({ open }) {
      const a = await open();
      const b = await open();
      const hits = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).hitWindow('links:77', 86_400_000, 40)));
      assert.deepEqual(hits.map((h) => h.count).sort((x, y) => x - y), Array.from({ length: 60 }, (_, i) => i + 1));
      assert.equal(hits.filter((h) => h.allowed).length, 40);
      for (let i = 0; i < 50; i++) {
        a.recordBytes(77, 1000);
        b.recordBytes(77, 10);
      }
      const f = await a.registerFile(file(1234, 77));
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).incrementStreams(f.id)));
      await Promise.all([a.flush(), b.flush(), a.flush()]);
      const r = await open();
      assert.equal((await r.getMonthlyUsage(77)).bytes, 50_500);
      assert.equal((await r.getFile(f.id))!.streamCount, 20);
    },
  });
  add({
    name: 'rate limits: fixed windows reset on time and validate input',
    async run({ open, clock }) {
      const s = await open();
      clock.t = Date.UTC(2025, 0, 15, 10, 0, 30);
      const minute = 60_000;
      const h1 = await s.hitWindow('dl:1', minute, 2);
      const h2 = await s.hitWindow('dl:1', minute, 2);
      const h3 = await s.hitWindow('dl:1', minute, 2);
      assert.deepEqual([h1.allowed, h2.allowed, h3.allowed], [true, true, false]);
      assert.deepEqual([h1.count, h3.count, h3.limit], [1, 3, 2]);
      assert.equal(h3.resetAt.getTime(), Date.UTC(2025, 0, 15, 10, 1, 0));
      assert.equal((await s.hitWindow('dl:2', minute, 2)).count, 1, 'keys are independent');
      clock.t = h3.resetAt.getTime();
      const next = await s.hitWindow('dl:1', minute, 2);
      assert.deepEqual([next.count, next.allowed], [1, true]);
      assert.ok((await s.sweepExpired()).rateWindows >= 1, 'finished windows are swept');
      await rejectsWith(s.hitWindow('', minute, 1), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.hitWindow('k', 0, 1), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.hitWindow('k', minute, -1), 'SB_ERR_STORE_INVALID_ARGUMENT');
    },
  });
}
