// Contract cases for bot sessions and JSON settings.

import assert from 'node:assert/strict';
import { rejectsWith, type AddCase } from './fixture.ts';

export function sessionSettingCases(add: AddCase): void {
  add({
    name: 'sessions and settings round-trip',
    async run({ open }) {
      const s = await open();
      assert.equal(await s.getSession('bot1'), null);
      await s.saveSession('bot1', '1BQANOTAREALSESSION==');
      await s.saveSession('bot1', '1BQANEWER==');
      await s.saveSession('bot2', 'other');
      const r = await open();
      assert.equal(await r.getSession('bot1'), '1BQANEWER==');
      assert.equal(await r.deleteSession('bot1'), true);
      assert.equal(await r.getSession('bot1'), null);
      assert.equal(await r.deleteSession('bot1'), false);
      await rejectsWith(s.saveSession('', 'x'), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.saveSession('bot3', ''), 'SB_ERR_STORE_INVALID_ARGUMENT');

      assert.equal(await s.getSetting('limits'), null);
      const value = { daily: 50, 'a.b': [1, 'two', null, true], $op: { nested: 'yes' } };
      await s.setSetting('limits', value);
      assert.deepEqual(await r.getSetting('limits'), value);
      await s.setSetting('limits', 7);
      assert.equal(await r.getSetting<number>('limits'), 7);
      for (const bad of [undefined, Number.NaN, new Date(0), { f: () => 1 }, [undefined]]) {
        await rejectsWith(s.setSetting('bad', bad as never), 'SB_ERR_STORE_INVALID_ARGUMENT');
      }
      assert.equal(await r.getSetting('bad'), null);
    },
  });
}
