// Contract cases for bandwidth: bytes buffered per instance, written in one batch, counted per UTC month.

import assert from 'node:assert/strict';
import { rejectsWith, type AddCase } from './fixture.ts';

export function bandwidthCases(add: AddCase): void {
  add({
    name: 'bandwidth: an aborted stream counts exactly the bytes sent, written in one batch',
    async run({ open, writesTo }) {
      const s = await open();
      const reader = await open();
      await s.upsertUser({ userId: 5 });
      const before = writesTo?.('bandwidth_usage') ?? 0;
      // 10 MiB in 512 KiB chunks; the client goes away after 7 chunks and 1000 bytes of the 8th.
      const chunk = 512 * 1024;
      let sent = 0;
      for (let i = 0; i < 20; i++) {
        const written = i < 7 ? chunk : i === 7 ? 1000 : 0;
        if (written === 0) break;
        s.recordBytes(5, written);
        sent += written;
      }
      s.recordBytes(null, 333); // anonymous traffic counts only globally
      assert.equal((await s.getMonthlyUsage(5)).bytes, sent, 'pending bytes are visible to their own instance');
      assert.equal((await reader.getMonthlyUsage(5)).bytes, 0, 'nothing was written per chunk');
      assert.equal(writesTo?.('bandwidth_usage') ?? 0, before);
      await s.flush();
      assert.deepEqual(await reader.getMonthlyUsage(5), { month: '2025-01', userId: 5, bytes: sent });
      assert.deepEqual(await reader.getMonthlyUsage(null), { month: '2025-01', userId: null, bytes: sent + 333 });
      assert.equal((await reader.getUser(5))?.bandwidthUsed, sent);
      if (writesTo) assert.equal(writesTo('bandwidth_usage') - before, 1, 'one batched write');
      await rejectsWith(async () => s.recordBytes(5, -1), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(async () => s.recordBytes(5, 1.5), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await s.flush();
      assert.equal((await reader.getMonthlyUsage(5)).bytes, sent, 'refused values changed nothing');
    },
  });
  add({
    name: 'bandwidth: months roll over at UTC midnight, including bytes flushed after the change',
    async run({ open, clock }) {
      const s = await open();
      clock.t = Date.UTC(2025, 0, 31, 23, 59, 59, 999);
      s.recordBytes(9, 100);
      clock.t += 1;
      s.recordBytes(9, 50);
      clock.t = Date.UTC(2025, 1, 28, 23, 0, 0);
      s.recordBytes(9, 7);
      clock.t = Date.UTC(2025, 2, 1, 0, 0, 1); // flushed in March: still counted where it was recorded
      await s.flush();
      const r = await open();
      assert.equal((await r.getMonthlyUsage(9, '2025-01')).bytes, 100);
      assert.equal((await r.getMonthlyUsage(9, '2025-02')).bytes, 57);
      assert.equal((await r.getMonthlyUsage(null, '2025-02')).bytes, 57);
      assert.deepEqual(await r.getMonthlyUsage(9), { month: '2025-03', userId: 9, bytes: 0 });
      await rejectsWith(r.getMonthlyUsage(9, '2025-13'), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(r.getMonthlyUsage(9, '2025-1'), 'SB_ERR_STORE_INVALID_ARGUMENT');
    },
  });
}
