// Contract cases for the database going away and coming back.

import assert from 'node:assert/strict';
import { isStoreError } from '../../../src/store/index.ts';
import { file, rejectsWith, waitFor, type AddCase } from './fixture.ts';

export function outageCases(add: AddCase): void {
  add({
    name: 'outage: known files and counters keep working, registration fails clearly, counters flush on return',
    needs: 'outage',
    async run({ open, outage }) {
      const s = await open({ flushIntervalMs: 100 });
      await s.upsertUser({ userId: 21 });
      const known = await s.registerFile(file(2100, 21));
      await s.getFile(known.id);
      await s.saveSession('bot1', 'sess');

      await outage!.begin();
      assert.deepEqual(await s.getFile(known.id), known, 'a known file is still served');
      await s.incrementStreams(known.id);
      s.recordBytes(21, 5000);
      assert.equal((await s.hitWindow('links:21', 60_000, 5)).allowed, true, 'rate limits keep answering');
      await assert.rejects(s.registerFile(file(2101, 21)), (err: unknown) => {
        assert.ok(isStoreError(err, 'SB_ERR_STORE_UNAVAILABLE'));
        assert.match((err as Error).message, /database is unreachable, so registering a new file is not possible/);
        return true;
      });
      await rejectsWith(s.flush(), 'SB_ERR_STORE_UNAVAILABLE');
      assert.equal(s.health().degraded, true);
      assert.ok(s.health().pendingCounters > 0, 'counters are kept while the database is away');
      assert.equal(await s.getSession('bot1'), 'sess');
      assert.equal((await s.getFile(known.id))!.streamCount, 1);

      await outage!.end();
      await waitFor('recovery and flush', () => !s.health().degraded && s.health().pendingCounters === 0);
      const r = await open();
      assert.equal((await r.getFile(known.id))!.streamCount, 1);
      assert.equal((await r.getMonthlyUsage(21)).bytes, 5000);
      assert.ok(await s.registerFile(file(2101, 21)), 'registration works again');
    },
  });
}
