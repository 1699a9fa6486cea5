// Contract cases for closing a store.

import assert from 'node:assert/strict';
import { rejectsWith, type AddCase } from './fixture.ts';

export function lifecycleCases(add: AddCase): void {
  add({
    name: 'close flushes counters, is idempotent, and later calls fail clearly',
    async run({ open }) {
      const s = await open();
      s.recordBytes(11, 4096);
      await s.close();
      await s.close();
      await rejectsWith(s.getUser(11), 'SB_ERR_STORE_CLOSED');
      await rejectsWith(async () => s.recordBytes(11, 1), 'SB_ERR_STORE_CLOSED');
      assert.equal((await (await open()).getMonthlyUsage(11)).bytes, 4096);
    },
  });
}
