// Contract cases for expiring links: an expired file is hidden from ordinary reads but kept for a retention period,
// during which it can be renewed (a new public id and expiry for the same stored file); after it, it is removed.

import assert from 'node:assert/strict';
import type { FileRecord } from '../../../src/store/index.ts';
import { START, file, rejectsWith, type AddCase } from './fixture.ts';

const RETENTION = 10_000;

/** What a renewal must not change. */
const stored = (f: FileRecord) => [f.messageId, f.userId, f.fileName, f.fileSize, f.fileType, f.mimeType, f.isVideo, f.title, f.uploadDate.getTime(), f.secret];

export function expiryCases(add: AddCase): void {
  add({
    name: 'expiry: an expired link is hidden by default, returned with includeExpired and expired: true',
    async run({ open, clock }) {
      const s = await open({ expiredRetentionMs: RETENTION });
      const r = await open({ expiredRetentionMs: RETENTION });
      const expiring = await s.registerFile(file(800, 3, { expiresAt: new Date(START + 1000) }));
      clock.t += 1;
      const forever = await s.registerFile(file(801, 3));
      assert.equal(expiring.expired, false);
      assert.equal(forever.expired, false);
      clock.t = START + 999;
      assert.equal((await r.getFile(expiring.id))?.expired, false);

      clock.t = START + 1000;
      assert.equal(await r.getFile(expiring.id), null);
      assert.equal(await r.getFile(expiring.id, {}), null);
      assert.equal(await r.getFile(expiring.id, { includeExpired: false }), null);
      assert.equal(await r.getFileByMessageId(800), null);
      const seen = await r.getFile(expiring.id, { includeExpired: true });
      assert.deepEqual(seen, { ...expiring, expired: true }, 'the same record, marked expired');
      assert.equal((await r.getFile(forever.id, { includeExpired: true }))?.expired, false);

      assert.deepEqual((await r.listFilesByUser(3)).items.map((f) => f.id), [forever.id]);
      const all = await r.listFilesByUser(3, undefined, { includeExpired: true });
      assert.deepEqual(all.items.map((f) => [f.id, f.expired]), [[forever.id, false], [expiring.id, true]], 'newest first');
      const paged = [];
      for (let cursor: string | null = null, n = 0; n < 3; n++) {
        const page = await r.listFilesByUser(3, { cursor, limit: 1 }, { includeExpired: true });
        paged.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      assert.deepEqual(paged, [forever.id, expiring.id], 'pages carry the option through');

      assert.equal(await r.countFiles({ userId: 3 }), 1, 'countFiles leaves expired files out');
      assert.equal(await r.revokeFile(expiring.id), false);
      assert.equal((await r.sweepExpired()).files, 0, 'an expired file is kept during its retention');
      assert.ok(await r.getFile(expiring.id, { includeExpired: true }));
    },
  });
  add({
    name: 'expiry: a file is kept until expiresAt + retention, then hidden and swept; purge_at drives the TTL index',
    async run({ open, clock, fileDocument }) {
      const s = await open({ expiredRetentionMs: RETENTION });
      const expiring = await s.registerFile(file(810, 3, { expiresAt: new Date(START + 1000) }));
      const forever = await s.registerFile(file(811, 3));
      const later = await s.registerFile(file(812, 3, { expiresAt: new Date(START + 50_000) }));
      if (fileDocument) {
        assert.deepEqual((await fileDocument(expiring.id))?.purge_at, new Date(START + 1000 + RETENTION));
        assert.equal((await fileDocument(forever.id))?.purge_at, null);
      }

      clock.t = START + 1000 + RETENTION;
      assert.equal((await s.sweepExpired()).files, 0, 'exactly at the end of the retention it is still kept');
      assert.ok(await s.getFile(expiring.id, { includeExpired: true }));

      clock.t += 1;
      assert.equal(await s.getFile(expiring.id, { includeExpired: true }), null, 'past retention, even before a sweep');
      assert.equal(await s.renewFile(expiring.id, null), null, 'past retention a file cannot be renewed');
      assert.equal((await s.sweepExpired()).files, 1);
      assert.equal((await s.sweepExpired()).files, 0);
      assert.ok(await s.getFile(forever.id));
      assert.equal((await s.getFile(later.id))?.expired, false);
      // The message id is free again once the expired record is gone.
      await s.registerFile(file(810, 3));
    },
  });
  add({
    name: 'renewal: a new id and expiry for the same stored file; the old id resolves null; revoked cleared',
    async run({ open, clock, fileDocument }) {
      const s = await open({ expiredRetentionMs: RETENTION });
      const r = await open({ expiredRetentionMs: RETENTION });
      await s.upsertUser({ userId: 5 });
      const f = await s.registerFile(file(820, 5, { title: 'caption', expiresAt: new Date(START + 1000) }));
      await s.incrementDownloads(f.id);
      await s.incrementStreams(f.id);
      await s.flush();
      await s.incrementDownloads(f.id); // still buffered when the id changes
      assert.equal(await s.revokeFile(f.id), true);

      clock.t = START + 5000;
      const renewed = await s.renewFile(f.id, new Date(START + 100_000));
      assert.ok(renewed);
      assert.match(renewed.id, /^[A-Za-z0-9_-]{12}$/);
      assert.notEqual(renewed.id, f.id);
      assert.deepEqual(stored(renewed), stored(f));
      assert.deepEqual(
        [renewed.expiresAt?.getTime(), renewed.expired, renewed.revoked, renewed.downloadCount, renewed.streamCount],
        [START + 100_000, false, false, 2, 1],
      );
      assert.equal(await r.getFile(f.id), null);
      assert.equal(await r.getFile(f.id, { includeExpired: true }), null, 'the old id stops resolving altogether');
      await s.flush();
      assert.deepEqual(await r.getFile(renewed.id), renewed, 'another instance reads the renewed record, counters included');
      assert.equal((await r.getFileByMessageId(820))?.id, renewed.id);
      assert.deepEqual((await r.listFilesByUser(5, undefined, { includeExpired: true })).items.map((x) => x.id), [renewed.id]);
      assert.equal((await r.getUser(5))?.filesShared, 1, 'a renewal is not a new file');
      if (fileDocument) {
        assert.deepEqual((await fileDocument(renewed.id))?.purge_at, new Date(START + 100_000 + RETENTION));
        assert.equal(await fileDocument(f.id), null);
      }

      const forever = await r.renewFile(renewed.id, null);
      assert.deepEqual([forever?.expiresAt, forever?.expired], [null, false]);
      if (fileDocument) assert.equal((await fileDocument(forever!.id))?.purge_at, null);
      // A live link can be renewed too, and a renewal into the past gives an expired link at once.
      const past = await s.renewFile(forever!.id, new Date(START));
      assert.equal(past?.expired, true);
      assert.equal(await s.getFile(past!.id), null);
    },
  });
  add({
    name: 'renewal: unknown and malformed ids, bad expiries',
    async run({ open }) {
      const s = await open();
      const f = await s.registerFile(file(830));
      assert.equal(await s.renewFile('AAAAAAAAAAAA', null), null);
      await rejectsWith(s.renewFile('../x', null), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.renewFile(f.id, new Date(Number.NaN)), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.renewFile(f.id, '2030-01-01' as unknown as Date), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.renewFile(f.id, undefined as unknown as Date), 'SB_ERR_STORE_INVALID_ARGUMENT');
      assert.deepEqual(await s.getFile(f.id), f, 'a refused renewal changes nothing');
      await s.deleteFile(f.id);
      assert.equal(await s.renewFile(f.id, null), null);
    },
  });
  add({
    name: 'renewal: of two concurrent renewals of one id, exactly one wins and the file is kept once',
    async run({ open, clock }) {
      const a = await open();
      const b = await open();
      const f = await a.registerFile(file(840, 6, { expiresAt: new Date(START + 1000) }));
      clock.t = START + 2000;
      const results = await Promise.all([a.renewFile(f.id, new Date(START + 9000)), b.renewFile(f.id, null)]);
      const winners = results.filter((x) => x !== null);
      assert.equal(winners.length, 1);
      const listed = await a.listFilesByUser(6, undefined, { includeExpired: true });
      assert.deepEqual(listed.items.map((x) => x.id), [winners[0]!.id]);
    },
  });
  add({
    name: 'expiry: expiredRetentionMs must be a non-negative integer',
    async run({ open }) {
      for (const bad of [-1, 1.5, Number.NaN, '30d']) {
        await rejectsWith(open({ expiredRetentionMs: bad as number }), 'SB_ERR_STORE_CONFIG');
      }
    },
  });
}
