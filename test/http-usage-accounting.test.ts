// Usage accounting from the response events: bytes are charged to the owner while they leave, and a response from
// the first byte counts as a download or play only once it has carried more than a probe.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { PLAY_THRESHOLD_BYTES, startUsageAccounting, type UsageAccountingOptions } from '../src/app/usage-accounting.ts';
import { openStore } from '../src/store/index.ts';
import type { FileInfo } from '../src/streaming/types.ts';
import { request, waitFor } from './support/http-client.ts';
import { abortAfter } from './support/http-fetch.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes, type MemoryFile } from './support/http-memory-source.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const OWNER = 31337;
const silent = pino({ level: 'silent' });

/** A memory source whose files belong to OWNER, except ids starting with `anon`. */
class OwnedSource extends MemorySource {
  ownerOf(info: FileInfo): number | undefined {
    return info.id.startsWith('anon') ? undefined : OWNER;
  }
}

/** Records what accounting asks of the store. */
function fakeStore() {
  const calls = { bytes: [] as Array<[number | null, number]>, downloads: [] as string[], streams: [] as string[] };
  const store: UsageAccountingOptions['store'] = {
    recordBytes: (userId, bytes) => void calls.bytes.push([userId, bytes]),
    incrementDownloads: async (id) => void calls.downloads.push(id),
    incrementStreams: async (id) => void calls.streams.push(id),
  };
  return { store, calls };
}

async function serve(source: MemorySource, run: (s: HttpServer) => Promise<void>): Promise<void> {
  const s = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
  try {
    await run(s);
    await waitFor(() => s.stats().activeStreams === 0, 'responses to finish');
  } finally {
    await s.close();
  }
}

const files = (...list: Array<[string, number]>): MemoryFile[] => list.map(([id, size], i) => ({ id, data: patternBytes(size, i + 1) }));

test('usage moves while a long stream is mid-body, and ends at exactly the bytes sent', async () => {
  const store = await openStore({ dataDir: ':memory:', logger: silent, flushIntervalMs: 50 });
  const source = new OwnedSource(files(['long', 64 * MiB]), { chunkSize: 256 * KiB });
  const stop = startUsageAccounting({ store, source, logger: silent });
  const usage = async () => (await store.getMonthlyUsage(OWNER)).bytes;
  try {
    await serve(source, async (s) => {
      const socket = net.connect(s.port, '127.0.0.1');
      let received = 0;
      let held = false;
      socket.on('data', (c: Buffer) => {
        received += c.length;
        if (received >= 4 * MiB && !held) {
          held = true;
          socket.pause(); // hold the client mid-body
        }
      });
      socket.write('GET /dl/long HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
      await waitFor(() => received >= 4 * MiB && s.stats().pendingWrites === 1, 'the client held mid-body', 15_000);
      // The part of a chunk the socket took is charged when the server learns it left, which a busy machine may
      // report a moment after the client read it.
      let midway = await usage();
      for (const until = Date.now() + 10_000; midway < received - 1024 && Date.now() < until; midway = await usage()) await new Promise((r) => setTimeout(r, 20));
      assert.equal(s.stats().activeStreams, 1, 'the response is still going');
      assert.ok(midway >= received - 1024, `charged ${midway} while the client has ${received}`);
      assert.ok(midway < 64 * MiB, 'not the whole file up front');
      await store.flush();
      assert.equal(await usage(), midway, 'flushed usage is the same usage');

      const done = new Promise((r) => socket.on('close', r));
      socket.resume();
      await done;
      assert.equal(received > 64 * MiB, true, 'headers and the whole body arrived');
    });
    assert.equal(await usage(), 64 * MiB);
    assert.equal((await store.getMonthlyUsage(null)).bytes, 64 * MiB, 'the global total too');
  } finally {
    stop();
    await store.close();
  }
});

test('a probe is not a play; a response from byte 0 counts once it has sent min(size, 64 KiB)', async () => {
  const { store, calls } = fakeStore();
  const source = new OwnedSource(files(['v', 4 * MiB], ['tiny', 1000], ['anon', MiB]), { chunkSize: 16 * KiB });
  const stop = startUsageAccounting({ store, source, logger: silent });
  try {
    await serve(source, async (s) => {
      assert.equal((await request(s.port, '/stream/v', { headers: { Range: 'bytes=0-1' } })).status, 206);
      assert.equal((await request(s.port, '/stream/v', { headers: { Range: `bytes=0-${PLAY_THRESHOLD_BYTES - 2}` } })).status, 206);
      assert.equal((await request(s.port, '/stream/v', { method: 'HEAD' })).status, 200);
      await waitFor(() => s.stats().activeStreams === 0, 'probes to finish');
      assert.deepEqual(calls.streams, [], 'probes are not plays');

      assert.equal((await request(s.port, '/stream/v', { headers: { Range: 'bytes=0-' } })).status, 206);
      assert.equal((await request(s.port, '/stream/v', { headers: { Range: 'bytes=1000-' } })).status, 206);
      assert.equal((await request(s.port, '/dl/v')).status, 200);
      assert.equal((await request(s.port, '/dl/tiny')).status, 200);
      assert.equal((await request(s.port, '/dl/anon')).status, 200);
    });
    assert.deepEqual(calls.streams, ['v'], 'one play, and a seek is not a new one');
    assert.deepEqual(calls.downloads, ['v', 'tiny'], 'a whole small file counts; a file nobody owns does not');
    const charged = (who: number | null) => calls.bytes.filter(([u]) => u === who).reduce((n, [, b]) => n + b, 0);
    assert.equal(charged(null), MiB, 'bytes of a file nobody owns go to the global total only');
    assert.equal(charged(OWNER), 2 + (PLAY_THRESHOLD_BYTES - 1) + 4 * MiB + (4 * MiB - 1000) + 4 * MiB + 1000);
  } finally {
    stop();
  }
});

test('a response from byte 0 aborted before the threshold is not counted, but its bytes are charged', async () => {
  const { store, calls } = fakeStore();
  // The source stops producing after 32 KiB, so the server has sent exactly that when the client leaves.
  const source = new OwnedSource(files(['v', 4 * MiB]), { chunkSize: 16 * KiB, hangAfterBytes: 32 * KiB });
  const stop = startUsageAccounting({ store, source, logger: silent });
  try {
    await serve(source, async (s) => {
      const got = await abortAfter(`http://127.0.0.1:${s.port}/stream/v`, 32 * KiB);
      assert.equal(got, 32 * KiB);
    });
    assert.deepEqual(calls.streams, []);
    assert.equal(calls.bytes.reduce((n, [, b]) => n + b, 0), 32 * KiB);
  } finally {
    stop();
  }
});

test('only the given source is charged; stop() ends accounting; a failing store is logged, never thrown', async () => {
  const { store, calls } = fakeStore();
  const mine = new OwnedSource(files(['a', 100 * KiB]));
  const other = new OwnedSource(files(['a', 100 * KiB]));
  const warnings: string[] = [];
  const logger = { warn: (_o: unknown, msg: string) => void warnings.push(msg) } as unknown as UsageAccountingOptions['logger'];
  const stop = startUsageAccounting({ store, source: mine, logger });
  try {
    await serve(other, async (s) => void (await request(s.port, '/dl/a')));
    assert.deepEqual(calls.bytes, [], "another server's responses are not charged here");

    const broken = startUsageAccounting({ store: { ...store, recordBytes: () => { throw new Error('store is closed'); } }, source: other, logger });
    await serve(other, async (s) => assert.equal((await request(s.port, '/dl/a')).status, 200));
    broken();
    assert.ok(warnings.some((m) => /could not record the bytes/.test(m)));
  } finally {
    stop();
  }
  await serve(mine, async (s) => void (await request(s.port, '/dl/a')));
  assert.deepEqual(calls.bytes, [], 'nothing after stop()');
});
