// Contract cases for users: upsert, refused input, bans, counting, paging and id iteration.

import assert from 'node:assert/strict';
import { START, rejectsWith, type AddCase } from './fixture.ts';

export function userCases(add: AddCase): void {
  add({
    name: 'users: upsert keeps join date, refreshes names and last_active',
    async run({ open, clock }) {
      const s = await open();
      const first = await s.upsertUser({ userId: 42, username: 'alice', firstName: 'Alice' });
      assert.equal(first.joinDate.getTime(), START);
      assert.deepEqual([first.username, first.firstName, first.isBanned, first.filesShared, first.bandwidthUsed, first.unreachable], ['alice', 'Alice', false, 0, 0, null]);
      clock.t += 5000;
      const second = await s.upsertUser({ userId: 42, firstName: 'Al' });
      assert.equal(second.joinDate.getTime(), START);
      assert.equal(second.lastActive.getTime(), START + 5000);
      assert.equal(second.username, 'alice', 'an absent username is kept');
      assert.equal(second.firstName, 'Al');
      const third = await s.upsertUser({ userId: 42, username: null });
      assert.equal(third.username, null, 'null clears the username');
      assert.deepEqual(await s.getUser(42), third);
      assert.equal(await s.getUser(43), null);
    },
  });
  add({
    name: 'users: malformed ids are refused with a clear error',
    async run({ open }) {
      const s = await open();
      for (const bad of [0, -1, 1.5, Number.NaN, '5', 2 ** 60, null]) {
        await rejectsWith(s.getUser(bad as number), 'SB_ERR_STORE_INVALID_ARGUMENT');
        await rejectsWith(s.upsertUser({ userId: bad as number }), 'SB_ERR_STORE_INVALID_ARGUMENT');
      }
      await rejectsWith(s.upsertUser({ userId: 1, username: 5 as unknown as string }), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.setBanned(1, 'yes' as unknown as boolean), 'SB_ERR_STORE_INVALID_ARGUMENT');
      assert.equal(await s.countUsers(), 0, 'nothing was written by the refused calls');
    },
  });
  add({
    name: 'users: ban, count, cursor pagination and id iteration',
    async run({ open }) {
      const s = await open();
      for (let i = 1; i <= 25; i++) await s.upsertUser({ userId: 1000 + i * 7, username: `u${i}` });
      assert.equal(await s.setBanned(1000 + 14, true), true);
      assert.equal(await s.setBanned(1000 + 21, true), true);
      assert.equal(await s.setBanned(5, true), false, 'unknown user');
      assert.equal(await s.countUsers(), 25);
      assert.equal(await s.countUsers({ banned: true }), 2);
      assert.equal(await s.countUsers({ banned: false }), 23);

      const seen: number[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await s.listUsers({ cursor, limit: 10 });
        sizes.push(page.items.length);
        seen.push(...page.items.map((u) => u.userId));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(sizes, [10, 10, 5]);
      assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => 1000 + (i + 1) * 7));
      assert.equal((await s.getUser(1014))?.isBanned, true);

      const ids: number[] = [];
      for await (const id of s.userIds({ pageSize: 7 })) ids.push(id);
      assert.deepEqual(ids, seen.filter((id) => id !== 1014 && id !== 1021));
      const all: number[] = [];
      for await (const id of s.userIds({ includeBanned: true, pageSize: 5 })) all.push(id);
      assert.deepEqual(all, seen);

      await rejectsWith(s.listUsers({ cursor: 'not-a-cursor' }), 'SB_ERR_STORE_INVALID_CURSOR');
      await rejectsWith(s.listUsers({ cursor: Buffer.from('f:1:abcdefghijkl').toString('base64url') }), 'SB_ERR_STORE_INVALID_CURSOR');
      await rejectsWith(s.listUsers({ limit: 0 }), 'SB_ERR_STORE_INVALID_ARGUMENT');
    },
  });
  add({
    name: 'users: unreachable users are skipped by broadcasts until they write again',
    async run({ open }) {
      const s = await open();
      const r = await open();
      for (const userId of [1, 2, 3, 4, 5]) await s.upsertUser({ userId });
      assert.equal(await s.setUnreachable(2, 'blocked'), true);
      assert.equal(await s.setUnreachable(3, 'deactivated'), true);
      assert.equal(await s.setBanned(5, true), true);
      assert.equal(await s.setUnreachable(99, 'blocked'), false, 'unknown user');
      for (const bad of ['gone', undefined, true, 'BLOCKED']) {
        await rejectsWith(s.setUnreachable(4, bad as never), 'SB_ERR_STORE_INVALID_ARGUMENT');
      }
      await rejectsWith(s.setUnreachable(0, 'blocked'), 'SB_ERR_STORE_INVALID_ARGUMENT');
      assert.equal((await r.getUser(2))?.unreachable, 'blocked');
      assert.equal((await r.getUser(3))?.unreachable, 'deactivated');
      assert.equal((await r.getUser(4))?.unreachable, null, 'a refused call changed nothing');

      const ids = async (options?: Parameters<typeof s.userIds>[0]) => {
        const out: number[] = [];
        for await (const id of r.userIds({ pageSize: 2, ...options })) out.push(id);
        return out;
      };
      assert.deepEqual(await ids(), [1, 4]);
      assert.deepEqual(await ids({ includeUnreachable: true }), [1, 2, 3, 4]);
      assert.deepEqual(await ids({ includeBanned: true }), [1, 4, 5]);
      assert.deepEqual(await ids({ includeBanned: true, includeUnreachable: true }), [1, 2, 3, 4, 5]);
      assert.equal(await r.countUsers({ unreachable: true }), 2);
      assert.equal(await r.countUsers({ unreachable: false }), 3);
      assert.equal(await r.countUsers({ unreachable: false, banned: false }), 2);
      assert.equal(await r.countUsers({ unreachable: true, banned: true }), 0);

      const back = await r.upsertUser({ userId: 2 });
      assert.equal(back.unreachable, null, 'writing to the bot again makes a user reachable');
      assert.equal((await s.getUser(2))?.unreachable, null);
      assert.equal(await s.setUnreachable(3, null), true);
      assert.equal((await r.getUser(3))?.unreachable, null);
      assert.deepEqual(await ids(), [1, 2, 3, 4]);
      assert.equal(await r.countUsers({ unreachable: true }), 0);
    },
  });
}
