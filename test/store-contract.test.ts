// One list of behaviours every Store backend must show, run against SQLite, MongoDB through the test wire server,
// and a real MongoDB when DATABASE_URL is set. The cases live in test/support/store-contract/, one module per area.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { openStore, type Store, type StoreConfig } from '../src/store/index.ts';
import { MongoWireServer } from './support/mongo-wire-server.ts';
import { bandwidthCases } from './support/store-contract/bandwidth.ts';
import { expiryCases } from './support/store-contract/expiry.ts';
import { fileCases } from './support/store-contract/files.ts';
import { START, type Case, type Clock, type Ctx } from './support/store-contract/fixture.ts';
import { lifecycleCases } from './support/store-contract/lifecycle.ts';
import { outageCases } from './support/store-contract/outage.ts';
import { rateLimitCases } from './support/store-contract/rate-limits.ts';
import { sessionSettingCases } from './support/store-contract/sessions-settings.ts';
import { slidingWindowCases } from './support/store-contract/sliding-windows.ts';
import { userCases } from './support/store-contract/users.ts';

const silent = pino({ level: 'silent' });

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
        fileDocument: async (id) => wire.documents(databaseName, 'files').find((d) => d._id === id) ?? null,
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
    const reader = new MongoClient(realUrl!);
    return {
      ctx: { clock, open: stores.open, fileDocument: (id) => reader.db(databaseName).collection<{ _id: string }>('files').findOne({ _id: id }) },
      async dispose() {
        await stores.closeAll();
        await reader.close();
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

const caseGroups = [userCases, fileCases, expiryCases, bandwidthCases, rateLimitCases, slidingWindowCases, sessionSettingCases, lifecycleCases, outageCases];

for (const backend of [sqliteBackend, wireBackend, realMongoBackend]) {
  describe(`store contract: ${backend.name}`, () => {
    if (backend.setup && !backend.skip) before(() => backend.setup!());
    if (backend.teardown && !backend.skip) after(() => backend.teardown!());
    const add = (c: Case) => {
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
    };
    for (const registerCases of caseGroups) registerCases(add);
  });
}
