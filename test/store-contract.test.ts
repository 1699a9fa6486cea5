// One list of behaviours every Store backend must show, run against SQLite, MongoDB through the test wire server,
// and a real MongoDB when DATABASE_URL is set.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { isStoreError, linkSecretMatches, openStore, type Store, type StoreConfig, type StoreErrorCode } from '../src/store/index.ts';
import { MongoWireServer } from './support/mongo-wire-server.ts';

const START = Date.UTC(2025, 0, 15, 12, 0, 0);
const silent = pino({ level: 'silent' });

interface Clock {
  t: number;
  now: () => number;
}

interface Ctx {
  clock: Clock;
  /** Another store instance on the same database (several StreamBot processes). */
  open(overrides?: Partial<StoreConfig>): Promise<Store>;
  /** Makes the database unreachable / reachable again; absent when the backend cannot simulate it. */
  outage?: { begin(): Promise<void>; end(): Promise<void> };
  /** Write commands received for a collection, when the backend can count them. */
  writesTo?(collection: string): number;
}

interface Backend {
  name: string;
  skip?: string;
  setup?(): Promise<void>;
  teardown?(): Promise<void>;
  /** A fresh, empty database for one case. */
  fresh(clock: Clock): Promise<{ ctx: Ctx; dispose(): Promise<void> }>;
}

const common = (clock: Clock): StoreConfig => ({ now: clock.now, logger: silent, flushIntervalMs: 60_000, sweepIntervalMs: 0 });

function trackStores(open: (o?: Partial<StoreConfig>) => Promise<Store>) {
  const stores: Store[] = [];
  return {
    open: async (o?: Partial<StoreConfig>) => {
      const s = await open(o);
      stores.push(s);
      return s;
    },
    closeAll: async () => {
      for (const s of stores) await s.close();
    },
  };
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  async fresh(clock) {
    const dir = mkdtempSync(join(tmpdir(), 'streambot-store-'));
    const stores = trackStores(async (o) => openStore({ ...common(clock), dataDir: dir, busyTimeoutMs: 100, ...o }));
    let locker: Database.Database | null = null;
    return {
      ctx: {
        clock,
        open: stores.open,
        outage: {
          // Another connection holding the write lock past busy_timeout is what "unreachable" means for a file.
          async begin() {
            locker = new Database(join(dir, 'streambot.db'));
            locker.exec('BEGIN EXCLUSIVE');
          },
          async end() {
            locker?.exec('COMMIT');
            locker?.close();
            locker = null;
          },
        },
      },
      async dispose() {
        locker?.close();
        await stores.closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const wire = new MongoWireServer();
let wireDbs = 0;
const mongoTestOptions = { serverSelectionTimeoutMS: 400, heartbeatFrequencyMS: 500, connectTimeoutMS: 500, socketTimeoutMS: 2000 };

const wireBackend: Backend = {
  name: 'mongodb (test wire server)',
  setup: () => wire.start(),
  teardown: () => wire.stop(),
  async fresh(clock) {
    const databaseName = `contract${++wireDbs}`;
    const stores = trackStores(async (o) =>
      openStore({ ...common(clock), databaseUrl: wire.url(), databaseName, probeIntervalMs: 100, mongoOptions: mongoTestOptions, ...o }));
    return {
      ctx: {
        clock,
        open: stores.open,
        outage: { begin: () => wire.stop(), end: () => wire.start() },
        writesTo: (collection) => wire.log.filter((c) => c.collection === collection && ['update', 'insert', 'findAndModify'].includes(c.name)).length,
      },
      async dispose() {
        await wire.start().catch(() => {});
        await stores.closeAll();
      },
    };
  },
};

const realUrl = process.env.DATABASE_URL;
const realMongoBackend: Backend = {
  name: 'mongodb (real server from DATABASE_URL)',
  skip: realUrl ? undefined : 'DATABASE_URL not set: real MongoDB backend not tested',
  async fresh(clock) {
    // A throwaway database per case, dropped afterwards, so the suite never touches real data.
    const databaseName = `${process.env.DATABASE_NAME ?? 'streambot'}_test_${randomBytes(4).toString('hex')}`;
    const stores = trackStores(async (o) => openStore({ ...common(clock), databaseUrl: realUrl, databaseName, ...o }));
    return {
      ctx: { clock, open: stores.open },
      async dispose() {
        await stores.closeAll();
        const client = new MongoClient(realUrl!);
        try {
          await client.db(databaseName).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  },
};

async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: StoreErrorCode): Promise<void> {
  await assert.rejects(async () => (typeof promise === 'function' ? promise() : promise), (err: unknown) => {
    assert.ok(isStoreError(err, code), `expected ${code}, got ${String((err as Error)?.stack ?? err)}`);
    return true;
  });
}

const file = (messageId: number, userId = 1, extra: Record<string, unknown> = {}) => ({
  messageId, userId, fileName: `f${messageId}.mp4`, fileSize: 1000 + messageId, fileType: 'video', mimeType: 'video/mp4', isVideo: true, ...extra,
});

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

type Case = { name: string; needs?: 'outage'; run(ctx: Ctx): Promise<void> };

const cases: Case[] = [
  {
    name: 'users: upsert keeps join date, refreshes names and last_active',
    async run({ open, clock }) {
      const s = await open();
      const first = await s.upsertUser({ userId: 42, username: 'alice', firstName: 'Alice' });
      assert.equal(first.joinDate.getTime(), START);
      assert.deepEqual([first.username, first.firstName, first.isBanned, first.filesShared, first.bandwidthUsed], ['alice', 'Alice', false, 0, 0]);
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
    name: 'expiry: expired files are invisible to every read and swept',
    async run({ open, clock }) {
      const s = await open();
      const expiring = await s.registerFile(file(800, 3, { expiresAt: new Date(START + 1000) }));
      const forever = await s.registerFile(file(801, 3));
      assert.equal((await s.getFile(expiring.id))?.expiresAt?.getTime(), START + 1000);
      clock.t = START + 999;
      assert.ok(await s.getFile(expiring.id));
      clock.t = START + 1000;
      assert.equal(await s.getFile(expiring.id), null);
      assert.equal(await s.getFileByMessageId(800), null);
      assert.deepEqual((await s.listFilesByUser(3)).items.map((f) => f.id), [forever.id]);
      assert.equal(await s.revokeFile(expiring.id), false);
      const swept = await s.sweepExpired();
      assert.equal(swept.files, 1);
      assert.ok(await s.getFile(forever.id));
      // The message id is free again once the expired record is gone.
      await s.registerFile(file(800, 3));
    },
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
  {
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
  },
];

for (const backend of [sqliteBackend, wireBackend, realMongoBackend]) {
  describe(`store contract: ${backend.name}`, () => {
    if (backend.setup && !backend.skip) before(() => backend.setup!());
    if (backend.teardown && !backend.skip) after(() => backend.teardown!());
    for (const c of cases) {
      // Each test carries the reason, so a run without DATABASE_URL says which backend went untested and why.
      const skip = backend.skip ?? (c.needs === 'outage' && backend === realMongoBackend ? 'a real server cannot be stopped from the test' : undefined);
      test(c.name, { skip }, async () => {
        const clock: Clock = { t: START, now: () => clock.t };
        const { ctx, dispose } = await backend.fresh(clock);
        try {
          await c.run(ctx);
        } finally {
          await dispose();
        }
      });
    }
  });
}
