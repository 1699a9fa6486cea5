// openStore: backend selection, configuration errors, the SQLite file and its schema version, MongoDB indexes.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { isStoreError, openStore, storeConfigFromEnv } from '../src/store/index.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/migrations.ts';
import { MongoWireServer } from './support/mongo-wire-server.ts';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'streambot-open-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('without a database URL the store is SQLite at <dataDir>/streambot.db in WAL mode with the current schema', async () => {
  const dataDir = join(tempDir(), 'nested', 'data');
  const store = await openStore({ dataDir, logger, sweepIntervalMs: 0 });
  assert.equal(store.backend, 'sqlite');
  await store.close();
  const file = join(dataDir, 'streambot.db');
  assert.ok(existsSync(file));
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  db.close();
});

test('reopening keeps the data and does not migrate twice', async () => {
  const dataDir = tempDir();
  const first = await openStore({ dataDir, logger, sweepIntervalMs: 0 });
  await first.setSetting('k', 'v');
  await first.close();
  const second = await openStore({ dataDir, logger, sweepIntervalMs: 0 });
  assert.equal(await second.getSetting('k'), 'v');
  await second.close();
});

test('a database of schema version 1 is upgraded in place: its users stay and are reachable', async () => {
  const dataDir = tempDir();
  const db = new Database(join(dataDir, 'streambot.db'));
  db.exec(MIGRATIONS[0]!);
  db.pragma('user_version = 1');
  db.prepare('INSERT INTO users (user_id, username, join_date, last_active) VALUES (7, ?, 1, 1)').run('old');
  db.close();
  const store = await openStore({ dataDir, logger, sweepIntervalMs: 0 });
  try {
    assert.deepEqual([(await store.getUser(7))?.username, (await store.getUser(7))?.unreachable], ['old', null]);
    assert.equal(await store.setUnreachable(7, 'blocked'), true);
    assert.equal((await store.takeSlidingWindow('links:7', 1000, 1)).allowed, true);
  } finally {
    await store.close();
  }
  const reopened = new Database(join(dataDir, 'streambot.db'));
  assert.equal(reopened.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  reopened.close();
});

test('a database of schema version 2 is upgraded in place: its files stay and read back with a null title', async () => {
  const dataDir = tempDir();
  const db = new Database(join(dataDir, 'streambot.db'));
  db.exec(MIGRATIONS[0]!);
  db.exec(MIGRATIONS[1]!);
  db.pragma('user_version = 2');
  db.prepare(`INSERT INTO files (public_id, message_id, user_id, file_name, file_size, file_type, mime_type, is_video,
    upload_date, link_secret) VALUES ('AAAAAAAAAAAA', 40, 7, 'old.mkv', 10, 'video', 'video/x-matroska', 1, 1, ?)`).run('s'.repeat(22));
  db.close();
  const store = await openStore({ dataDir, logger, sweepIntervalMs: 0 });
  try {
    const old = await store.getFile('AAAAAAAAAAAA');
    assert.deepEqual([old?.fileName, old?.messageId, old?.title], ['old.mkv', 40, null]);
    const titled = await store.registerFile({
      messageId: 41, userId: 7, fileName: 'new.mkv', fileSize: 10, fileType: 'video', mimeType: 'video/x-matroska', isVideo: true, title: 'caption',
    });
    assert.equal((await store.getFile(titled.id))?.title, 'caption');
  } finally {
    await store.close();
  }
  const reopened = new Database(join(dataDir, 'streambot.db'));
  assert.equal(reopened.pragma('user_version', { simple: true }), SCHEMA_VERSION);
  assert.ok((reopened.pragma('table_info(files)') as { name: string }[]).some((c) => c.name === 'title'));
  reopened.close();
});

test('a database written by a newer StreamBot is refused instead of being misread', async () => {
  const dataDir = tempDir();
  const db = new Database(join(dataDir, 'streambot.db'));
  db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
  db.close();
  await assert.rejects(openStore({ dataDir, logger }), (err: unknown) => isStoreError(err, 'SB_ERR_STORE_SCHEMA') && /upgrade StreamBot/.test((err as Error).message));
});

test(':memory: gives a throwaway database for tests', async () => {
  const store = await openStore({ dataDir: ':memory:', logger, sweepIntervalMs: 0 });
  await store.upsertUser({ userId: 1 });
  assert.equal(await store.countUsers(), 1);
  await store.close();
});

test('DATABASE_URL without DATABASE_NAME is a configuration error naming the variable', async () => {
  await assert.rejects(
    openStore({ databaseUrl: 'mongodb://127.0.0.1:1', logger }),
    (err: unknown) => isStoreError(err, 'SB_ERR_STORE_CONFIG') && /DATABASE_NAME/.test((err as Error).message),
  );
});

test('with a database URL the store is MongoDB and creates its indexes at start', async () => {
  const server = new MongoWireServer();
  await server.start();
  try {
    const store = await openStore({ databaseUrl: server.url(), databaseName: 'sb', logger, sweepIntervalMs: 0 });
    assert.equal(store.backend, 'mongodb');
    await store.close();
    const created = server.log.filter((c) => c.name === 'createIndexes').map((c) => c.collection).sort();
    assert.deepEqual(created, ['bandwidth_usage', 'files', 'rate_limits', 'sliding_windows', 'users']);
  } finally {
    await server.stop();
  }
});

test('a MongoDB whose files_ttl is on expires_at gets it on purge_at; its files without purge_at are swept after retention', async () => {
  const server = new MongoWireServer();
  await server.start();
  const client = new MongoClient(server.url(), { serverSelectionTimeoutMS: 500 });
  const retention = 60_000;
  let now = Date.UTC(2025, 0, 1);
  try {
    // What an older StreamBot left behind: a TTL index that deletes a file the moment its link expires.
    const files = client.db('sb').collection<{ _id: string; [k: string]: unknown }>('files');
    await files.createIndexes([{ key: { expires_at: 1 }, name: 'files_ttl', expireAfterSeconds: 0 }]);
    const old = { message_id: 1, user_id: 7, file_name: 'a.mp4', file_size: 1, file_type: 'video', mime_type: 'video/mp4', is_video: true,
      upload_date: new Date(now), download_count: 0, stream_count: 0, link_secret: 's'.repeat(22), revoked: false };
    await files.insertMany([
      { _id: 'AAAAAAAAAAAA', ...old, expires_at: new Date(now + 1000) },
      { _id: 'BBBBBBBBBBBB', ...old, message_id: 2, expires_at: null },
    ]);

    for (let start = 0; start < 2; start++) {
      const store = await openStore({ databaseUrl: server.url(), databaseName: 'sb', logger, sweepIntervalMs: 0, expiredRetentionMs: retention, now: () => now });
      await store.close();
    }
    const ttl = (await files.indexes()).filter((i) => i.name === 'files_ttl');
    assert.deepEqual(ttl.map((i) => [i.key, i.expireAfterSeconds]), [[{ purge_at: 1 }, 0]]);
    assert.equal(server.count('dropIndexes', 'files'), 1, 'dropped once, not again at the next start');

    const store = await openStore({ databaseUrl: server.url(), databaseName: 'sb', logger, sweepIntervalMs: 0, expiredRetentionMs: retention, now: () => now });
    try {
      now += 1000 + retention;
      assert.equal((await store.sweepExpired()).files, 0);
      assert.equal((await store.getFile('AAAAAAAAAAAA', { includeExpired: true }))?.expired, true);
      now += 1;
      assert.equal((await store.sweepExpired()).files, 1);
      assert.deepEqual((await files.find().toArray()).map((d) => d._id), ['BBBBBBBBBBBB']);
    } finally {
      await store.close();
    }
  } finally {
    await client.close();
    await server.stop();
  }
});

test('an unreachable MongoDB at start is SB_ERR_STORE_UNAVAILABLE and the message carries no credentials', async () => {
  await assert.rejects(
    openStore({ databaseUrl: 'mongodb://admin:hunter2@127.0.0.1:1/?directConnection=true', databaseName: 'sb', logger, mongoOptions: { serverSelectionTimeoutMS: 200 } }),
    (err: unknown) => {
      assert.ok(isStoreError(err, 'SB_ERR_STORE_UNAVAILABLE'));
      assert.doesNotMatch(String((err as Error).message) + String(((err as Error).cause as Error)?.message), /hunter2/);
      return true;
    },
  );
});

test('storeConfigFromEnv reads DATABASE_URL, DATABASE_NAME and DATA_DIR', () => {
  assert.deepEqual(storeConfigFromEnv({ DATABASE_URL: 'mongodb://db:27017', DATABASE_NAME: 'streambot' }), {
    databaseUrl: 'mongodb://db:27017', databaseName: 'streambot', dataDir: './data',
  });
  assert.deepEqual(storeConfigFromEnv({ DATA_DIR: '/var/lib/streambot' }), { databaseUrl: null, databaseName: null, dataDir: '/var/lib/streambot' });
});

test('a data directory that cannot be created fails at once (under /proc, under a regular file), never hangs', async () => {
  for (const dataDir of ['/proc/streambot-x/data', '/etc/hostname/data']) {
    await assert.rejects(openStore({ dataDir, logger, sweepIntervalMs: 0 }), (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '') || /streambot-x|hostname/.test(String((err as Error).message)), dataDir);
  }
});
