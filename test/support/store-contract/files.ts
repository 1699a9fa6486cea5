// Contract cases for files: registration, lookup, listing, and their download and stream counters (expiry and
// renewal: expiry.ts).

import assert from 'node:assert/strict';
import { isStoreError, linkSecretMatches } from '../../../src/store/index.ts';
import { START, file, rejectsWith, type AddCase } from './fixture.ts';

export function fileCases(add: AddCase): void {
  add({
    name: 'files: register, look up, duplicate message, revoke, delete',
    async run({ open }) {
      const s = await open();
      await s.upsertUser({ userId: 1 });
      const f = await s.registerFile(file(500));
      assert.match(f.id, /^[A-Za-z0-9_-]{12}$/);
      assert.match(f.secret, /^[A-Za-z0-9_-]{22}$/);
      assert.deepEqual(
        [f.messageId, f.userId, f.fileName, f.fileSize, f.fileType, f.mimeType, f.isVideo, f.downloadCount, f.streamCount, f.expiresAt, f.revoked],
        [500, 1, 'f500.mp4', 1500, 'video', 'video/mp4', true, 0, 0, null, false],
      );
      assert.equal(f.uploadDate.getTime(), START);
      assert.deepEqual(await s.getFile(f.id), f);
      assert.deepEqual(await s.getFileByMessageId(500), f);
      assert.ok(linkSecretMatches(f, f.secret));
      assert.ok(!linkSecretMatches(f, f.secret.slice(1) + 'A'));
      assert.equal((await s.getUser(1))?.filesShared, 1);

      const other = await s.registerFile(file(501));
      assert.notEqual(other.id, f.id);
      assert.notEqual(other.secret, f.secret);
      await rejectsWith(s.registerFile(file(500)), 'SB_ERR_STORE_DUPLICATE_FILE');
      await rejectsWith(s.registerFile({ ...file(502), fileSize: -1 }), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(s.registerFile({ ...file(502), expiresAt: new Date(Number.NaN) }), 'SB_ERR_STORE_INVALID_ARGUMENT');
      assert.equal(await s.getFileByMessageId(502), null, 'a refused registration stores nothing');

      assert.equal(await s.revokeFile(f.id), true);
      assert.equal((await s.getFile(f.id))?.revoked, true);
      assert.equal(await s.deleteFile(f.id), true);
      assert.equal(await s.getFile(f.id), null);
      assert.equal(await s.deleteFile(f.id), false);
      assert.equal(await s.revokeFile(f.id), false);
    },
  });
  add({
    name: 'files: a title given at registration is read back by every lookup; none reads null; a bad one is refused',
    async run({ open }) {
      const s = await open();
      const caption = 'Holiday 2024 — day one 🎞️ "final" cut';
      const titled = await s.registerFile(file(550, 4, { title: caption }));
      const untitled = await s.registerFile(file(551, 4));
      const cleared = await s.registerFile(file(552, 4, { title: null }));
      assert.deepEqual([titled.title, untitled.title, cleared.title], [caption, null, null]);
      // Another instance reads from the database, not from what registerFile returned.
      const r = await open();
      assert.equal((await r.getFile(titled.id))?.title, caption);
      assert.equal((await r.getFileByMessageId(550))?.title, caption);
      assert.equal((await r.getFile(untitled.id))?.title, null);
      assert.equal((await r.getFileByMessageId(551))?.title, null);
      const listed = new Map((await r.listFilesByUser(4)).items.map((f) => [f.id, f.title]));
      assert.deepEqual(listed, new Map([[titled.id, caption], [untitled.id, null], [cleared.id, null]]));

      assert.equal((await s.registerFile(file(553, 4, { title: 'x'.repeat(1024) }))).title?.length, 1024);
      for (const [messageId, title] of [[560, 'x'.repeat(1025)], [561, 'a\0b'], [562, 42], [563, ['t']]] as const) {
        await assert.rejects(s.registerFile(file(messageId, 4, { title })), (err: unknown) =>
          isStoreError(err, 'SB_ERR_STORE_INVALID_ARGUMENT') && /^file\.title must be/.test((err as Error).message));
        assert.equal(await r.getFileByMessageId(messageId), null, 'a refused title stores nothing');
      }
    },
  });
  add({
    name: 'files: unknown and malformed ids',
    async run({ open }) {
      const s = await open();
      assert.equal(await s.getFile('AAAAAAAAAAAA'), null);
      for (const bad of ['', '../etc/passwd', 'x'.repeat(100), 'short', '{"$gt":""}', 42, null, { $ne: null }]) {
        assert.equal(await s.getFile(bad as string), null, `getFile(${JSON.stringify(bad)})`);
        await rejectsWith(s.revokeFile(bad as string), 'SB_ERR_STORE_INVALID_ARGUMENT');
        await rejectsWith(s.incrementDownloads(bad as string), 'SB_ERR_STORE_INVALID_ARGUMENT');
      }
      await rejectsWith(s.getFileByMessageId(-3), 'SB_ERR_STORE_INVALID_ARGUMENT');
      assert.equal(await s.getFileByMessageId(999), null);
    },
  });
  add({
    name: 'files: listing by user is newest first and pages without gaps or repeats',
    async run({ open, clock }) {
      const s = await open();
      const made: string[] = [];
      for (let i = 0; i < 8; i++) {
        if (i % 3 !== 2) clock.t += 1000; // some files share an upload instant
        made.push((await s.registerFile(file(600 + i, 7))).id);
      }
      await s.registerFile(file(700, 8));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await s.listFilesByUser(7, { cursor, limit: 3 });
        seen.push(...page.items.map((f) => f.id));
        for (const f of page.items) assert.equal(f.userId, 7);
        // A bot puts the cursor in callback data (64 bytes) with a prefix of its own.
        if (page.nextCursor) assert.ok(page.nextCursor.length <= 40, `cursor of ${page.nextCursor.length} characters`);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 3);
      assert.equal(new Set(seen).size, 8);
      assert.deepEqual(new Set(seen), new Set(made));
      const dates = await Promise.all(seen.map(async (id) => (await s.getFile(id))!.uploadDate.getTime()));
      assert.deepEqual(dates, [...dates].sort((a, b) => b - a));
      assert.deepEqual((await s.listFilesByUser(9)).items, []);
      await rejectsWith(s.listFilesByUser(7, { cursor: 'garbage!' }), 'SB_ERR_STORE_INVALID_CURSOR');
    },
  });
  add({
    name: 'counters: downloads and streams are buffered, visible at once, and shared after flush',
    async run({ open }) {
      const a = await open();
      const b = await open();
      const f = await a.registerFile(file(900));
      await a.incrementDownloads(f.id);
      await a.incrementDownloads(f.id);
      await a.incrementStreams(f.id);
      await b.incrementDownloads(f.id);
      assert.deepEqual([(await a.getFile(f.id))!.downloadCount, (await a.getFile(f.id))!.streamCount], [2, 1], 'own pending counts are visible');
      await Promise.all([a.flush(), b.flush()]);
      const seen = await (await open()).getFile(f.id);
      assert.deepEqual([seen!.downloadCount, seen!.streamCount], [3, 1]);
      // A count for a file deleted before the flush is dropped, not resurrected.
      await a.incrementDownloads(f.id);
      await a.deleteFile(f.id);
      await a.flush();
      assert.equal(await b.getFile(f.id), null);
    },
  });
  add({
    name: 'files: counted per user and in total; expired files are left out, revoked ones counted',
    async run({ open, clock }) {
      const s = await open();
      const r = await open();
      await s.registerFile(file(1000, 1, { expiresAt: new Date(START + 1000) }));
      const revoked = await s.registerFile(file(1001, 1));
      await s.registerFile(file(1002, 1));
      await s.registerFile(file(1003, 2));
      await s.revokeFile(revoked.id);
      assert.equal(await r.countFiles(), 4);
      assert.equal(await r.countFiles({}), 4);
      assert.equal(await r.countFiles({ userId: 1 }), 3);
      assert.equal(await r.countFiles({ userId: 3 }), 0);
      clock.t = START + 1000;
      assert.equal(await r.countFiles(), 3);
      assert.equal(await r.countFiles({ userId: 1 }), 2);
      await rejectsWith(r.countFiles({ userId: 0 }), 'SB_ERR_STORE_INVALID_ARGUMENT');
      await rejectsWith(r.countFiles({ userId: '1' as unknown as number }), 'SB_ERR_STORE_INVALID_ARGUMENT');
    },
  });
}
