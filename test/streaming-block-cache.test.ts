// The shared block cache: single flight, bounds (never above the budget, kept bytes within their cap, eviction
// under pressure, LRU order), larger cached blocks serving smaller ones, failures and aborts, and streams reading
// byte-exact while their blocks are evicted under them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockCache, SOLE_VIEWER_KEPT_BYTES, type FetchHints, type FetchPriority } from '../src/streaming/block-cache.ts';
import { ByteBudget } from '../src/streaming/byte-budget.ts';
import { openReadAhead } from '../src/streaming/read-ahead.ts';
import type { BlockRequest } from '../actors/session/protocol.ts';
import { HeldFetcher, instantFetcher } from './fixtures/fake-fetcher.ts';
import { firstMismatch } from './fixtures/fake-session-control.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const tick = () => new Promise((r) => setImmediate(r));
const hints = (priority: FetchPriority = 2): FetchHints => ({ owner: {}, priority: () => priority });
const block = (offset: number, limit = 64 * KiB, messageId = 1): BlockRequest => ({ chatId: 'c', messageId, offset, limit });

test('single flight: 100 concurrent leases of one block make one fetch and share its buffer', async () => {
  const budget = new ByteBudget(4 * MiB);
  const cache = new BlockCache({ budget, maxBytes: MiB });
  const f = new HeldFetcher(16 * MiB);
  const leases = Array.from({ length: 100 }, () => cache.lease(block(MiB, MiB), f.fetch, hints())!);
  assert.equal(f.calls.length, 1, 'one fetch');
  assert.deepEqual({ misses: cache.stats().misses, joins: cache.stats().joins }, { misses: 1, joins: 99 });
  assert.equal(budget.stats().usedBytes, MiB, 'the block is counted once');
  f.calls[0]!.resolve();
  const views = await Promise.all(leases.map((l) => l.ready));
  assert.ok(views.every((v) => v.buffer === views[0]!.buffer && v.byteLength === MiB), 'the same bytes, no copy');
  assert.equal(firstMismatch(views[0]!, 1, MiB), -1);
  assert.equal(cache.stats().leasedBytes, MiB);
  for (const l of leases) l.release();
  assert.deepEqual({ leased: cache.stats().leasedBytes, kept: cache.stats().keptBytes }, { leased: 0, kept: MiB }, 'kept for the next viewer');
  const again = cache.lease(block(MiB, MiB), f.fetch, hints())!;
  assert.equal(f.calls.length, 1, 'a later viewer is served from the cache');
  assert.equal((await again.ready).buffer, views[0]!.buffer);
  again.release();
});

test('the shared fetch is as urgent as its most urgent lease, and is aborted only when the last lease goes', async () => {
  const cache = new BlockCache({ budget: new ByteBudget(MiB), maxBytes: 0 });
  const seen: FetchHints[] = [];
  const f = new HeldFetcher(MiB);
  const fetch = (req: BlockRequest, signal: AbortSignal, h: FetchHints) => (seen.push(h), f.fetch(req, signal));
  const a = cache.lease(block(0), fetch, hints(2))!;
  const b = cache.lease(block(0), fetch, hints(0))!;
  assert.equal(seen[0]!.priority(), 0);
  b.release();
  assert.equal(seen[0]!.priority(), 2, 'the urgent lease left');
  assert.equal(f.calls[0]!.signal.aborted, false, 'another lease still wants it');
  await assert.rejects(b.ready, { name: 'AbortError' });
  a.release();
  assert.equal(f.calls[0]!.signal.aborted, true, 'nobody wants it: the session slot goes back');
  assert.equal(cache.budget.stats().usedBytes, 0);
  assert.equal(cache.stats().blocks, 0);
});

test('a failed fetch reaches every lease and is not kept', async () => {
  const cache = new BlockCache({ budget: new ByteBudget(MiB), maxBytes: MiB });
  const f = new HeldFetcher(MiB);
  const a = cache.lease(block(0), f.fetch, hints())!;
  const b = cache.lease(block(0), f.fetch, hints())!;
  f.calls[0]!.reject(new Error('FILE_REFERENCE_EXPIRED'));
  await assert.rejects(a.ready, /FILE_REFERENCE_EXPIRED/);
  await assert.rejects(b.ready, /FILE_REFERENCE_EXPIRED/);
  a.release();
  b.release();
  assert.deepEqual({ blocks: cache.stats().blocks, used: cache.budget.stats().usedBytes }, { blocks: 0, used: 0 });
  cache.lease(block(0), f.fetch, hints())!.release();
  assert.equal(f.calls.length, 2, 'the next lease fetches again');
});

test('a block inside a larger cached one is served from it, as a view at the right place', async () => {
  const cache = new BlockCache({ budget: new ByteBudget(4 * MiB), maxBytes: 4 * MiB });
  const size = MiB + 100 * KiB;
  const f = new HeldFetcher(size);
  const big = cache.lease(block(MiB, MiB), f.fetch, hints())!;
  const inside = cache.lease(block(MiB + 64 * KiB, 16 * KiB), f.fetch, hints())!;
  const tail = cache.lease(block(MiB + 96 * KiB, 16 * KiB), f.fetch, hints())!;
  assert.equal(f.calls.length, 1, 'joined the larger fetch under way');
  f.calls[0]!.resolve();
  const [bv, iv, tv] = await Promise.all([big.ready, inside.ready, tail.ready]);
  assert.equal(bv.byteLength, 100 * KiB, 'short at the end of the file');
  assert.equal(iv.byteLength, 16 * KiB);
  assert.equal(firstMismatch(iv, 1, MiB + 64 * KiB), -1);
  assert.equal(tv.byteLength, 4 * KiB, 'a block past the end of the file is short, as Telegram returns it');
  assert.equal(firstMismatch(tv, 1, MiB + 96 * KiB), -1);
  for (const l of [big, inside, tail]) l.release();
  const later = cache.lease(block(MiB + 32 * KiB, 32 * KiB), f.fetch, hints())!;
  assert.equal(firstMismatch(await later.ready, 1, MiB + 32 * KiB), -1);
  assert.equal(f.calls.length, 1);
  later.release();
});

test('kept blocks stay within their cap, least recently used out first, and give way to blocks someone waits for', async () => {
  const bs = 64 * KiB;
  const budget = new ByteBudget(6 * bs);
  const cache = new BlockCache({ budget, maxBytes: 3 * bs });
  const { fetch, served } = instantFetcher(64 * bs);
  const read = async (i: number) => {
    const l = cache.lease(block(i * bs), fetch, hints())!;
    await l.ready;
    l.release();
  };
  for (const i of [0, 1, 2]) await read(i);
  assert.equal(cache.stats().keptBytes, 3 * bs);
  await read(0); // a hit: block 0 becomes the most recently used
  assert.equal(served.length, 3);
  await read(3); // over the cap: the least recently used (1) goes
  assert.equal(cache.stats().keptBytes, 3 * bs);
  assert.equal(cache.stats().evictions, 1);
  await read(1);
  assert.equal(served.length, 5, 'block 1 was evicted and fetched again');
  await read(0);
  assert.equal(served.length, 5, 'block 0 was kept');

  // Pressure: streams hold the rest of the budget; a new block takes the room of kept ones.
  const held = [];
  for (const i of [10, 11, 12]) {
    const l = cache.lease(block(i * bs), fetch, hints())!;
    await l.ready;
    held.push(l);
  }
  assert.equal(budget.stats().usedBytes, 6 * bs, 'three held and three kept: the budget is full');
  const wanted = cache.lease(block(20 * bs), fetch, hints())!;
  assert.ok(wanted, 'a kept block gave way');
  await wanted.ready;
  assert.equal(budget.stats().usedBytes, 6 * bs);
  assert.ok(budget.stats().usedBytes <= budget.stats().maxBytes);
  held.push(wanted);
  // Everything held by leases now: nothing left to evict, so a new block waits for budget, unless forced.
  for (const i of [21, 22]) held.push(await (async () => { const l = cache.lease(block(i * bs), fetch, hints())!; await l.ready; return l; })());
  assert.equal(cache.stats().keptBytes, 0);
  assert.equal(cache.lease(block(30 * bs), fetch, hints()), null, 'no room: the caller waits on the budget');
  const forced = cache.lease(block(30 * bs), fetch, hints(), true)!;
  await forced.ready;
  forced.release();
  for (const l of held) l.release();
  assert.ok(cache.stats().keptBytes <= 3 * bs);
  cache.clear();
  assert.deepEqual({ used: budget.stats().usedBytes, blocks: cache.stats().blocks }, { used: 0, blocks: 0 });
});

test('lowering the cap evicts at once; a discarded block is dropped, not kept', async () => {
  const budget = new ByteBudget(8 * MiB);
  const cache = new BlockCache({ budget, maxBytes: 4 * MiB });
  const { fetch } = instantFetcher(8 * MiB);
  for (let i = 0; i < 4; i++) {
    const l = cache.lease(block(i * MiB, MiB), fetch, hints())!;
    await l.ready;
    l.release();
  }
  assert.equal(cache.stats().keptBytes, 4 * MiB);
  cache.maxBytes = MiB;
  assert.equal(cache.stats().keptBytes, MiB);
  assert.equal(budget.stats().usedBytes, MiB);
  const bad = cache.lease(block(5 * MiB, MiB), fetch, hints())!;
  await bad.ready;
  bad.release(true);
  assert.equal(cache.stats().blocks, 1, 'only the kept block is left');
  assert.throws(() => { cache.maxBytes = -1; }, { code: 'SB_ERR_INVALID_OPTION' });
});

test('random leases and releases never hold more than the budget, bar one forced block', async () => {
  const bs = 16 * KiB;
  const budget = new ByteBudget(8 * bs);
  const cache = new BlockCache({ budget, maxBytes: 4 * bs });
  const f = new HeldFetcher(256 * bs);
  const live: { release(): void }[] = [];
  let seed = 42;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  let forced = 0;
  for (let step = 0; step < 3000; step++) {
    const op = rnd(4);
    if (op === 0 && live.length) live.splice(rnd(live.length), 1)[0]!.release();
    else if (op === 1 && f.pending().length) f.pending()[rnd(f.pending().length)]!.resolve();
    else {
      const force = rnd(10) === 0 && forced === 0;
      const l = cache.lease(block(rnd(64) * bs, bs), f.fetch, hints(), force);
      if (l) live.push(l);
      if (l && force) forced = 1;
    }
    await tick();
    const s = cache.stats();
    assert.ok(budget.stats().usedBytes <= budget.stats().maxBytes + forced * bs, `step ${step}: used ${budget.stats().usedBytes}`);
    assert.ok(s.keptBytes <= 4 * bs, `step ${step}: kept ${s.keptBytes}`);
    assert.equal(budget.stats().usedBytes, s.blocks * bs, `step ${step}: every block held, in flight or fetched, counted once`);
    assert.ok(s.keptBytes + s.leasedBytes <= s.blocks * bs);
  }
  for (const l of live) l.release();
  for (const c of f.pending()) c.resolve();
  await tick();
  cache.clear();
  assert.equal(budget.stats().usedBytes, 0);
});

test('20 streams of one file through a small cache: byte-exact while blocks are evicted under them, fewer fetches than blocks read', async () => {
  const bs = 64 * KiB;
  const size = 64 * bs + 1234;
  const budget = new ByteBudget(24 * bs);
  const cache = new BlockCache({ budget, maxBytes: 4 * bs });
  const { fetch, served } = instantFetcher(size);
  const file = { chatId: 'c', messageId: 7, size };
  let blocksRead = 0;
  await Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const start = (i % 5) * 3 * bs + i * 17; // five groups reading the same region, unaligned
    const stream = openReadAhead(fetch, file, start, size - 1, { window: 4, blockSize: bs, cache });
    let pos = start;
    for (let c = await stream.next(); c !== null; c = await stream.next()) {
      assert.equal(firstMismatch(c, 7, pos), -1, `stream ${i} at ${pos}`);
      pos += c.byteLength;
      blocksRead++;
      if (pos % (7 * bs) < bs) await tick(); // uneven pace: streams drift apart
    }
    assert.equal(pos, size, `stream ${i} reached the end`);
  }));
  assert.ok(cache.stats().evictions > 0, 'blocks were evicted while streams read');
  assert.ok(served.length < blocksRead, `${served.length} fetches for ${blocksRead} blocks read`);
  cache.clear();
  assert.equal(budget.stats().usedBytes, 0);
});

test('a file\'s only stream keeps few blocks behind it; once a second stream reads the file, the whole cache is used', async () => {
  const size = 48 * MiB;
  const budget = new ByteBudget(256 * MiB);
  const cache = new BlockCache({ budget, maxBytes: 64 * MiB });
  const { fetch } = instantFetcher(size);
  const file = { chatId: 'c', messageId: 5, size };
  const read = async (stream: ReturnType<typeof openReadAhead>) => { for (let c = await stream.next(); c !== null; c = await stream.next()); };
  await read(openReadAhead(fetch, file, 0, size - 1, { window: 4, blockSize: MiB, cache }));
  assert.equal(cache.stats().keptBytes, SOLE_VIEWER_KEPT_BYTES, 'a lone download keeps only the last few MiB');
  // The same file again, while another stream of it is open: what both read is kept, up to the cache's cap.
  const other = openReadAhead(fetch, file, 0, 0, { blockSize: 4096, cache });
  const misses = cache.stats().misses;
  await read(openReadAhead(fetch, file, 0, size - 1, { window: 4, blockSize: MiB, cache }));
  assert.equal(cache.stats().misses - misses, size / MiB - SOLE_VIEWER_KEPT_BYTES / MiB, 'the kept tail was served from the cache');
  assert.equal(cache.stats().keptBytes, size, 'with two streams open every block is kept');
  other.close();
  cache.clear();
  assert.equal(budget.stats().usedBytes, 0);
});

test('48 streams of 16 files through a budget kept blocks fill: evictions that wake a waiting stream mid-lease never tangle its blocks', async () => {
  const budget = new ByteBudget(8 * MiB);
  const cache = new BlockCache({ budget, maxBytes: 4 * MiB });
  const sizes = Array.from({ length: 16 }, (_, i) => 2 * MiB + i * 4097);
  const fetchers = sizes.map((size) => instantFetcher(size));
  let clock = 0;
  const run = async (i: number, start: number, end: number) => {
    const f = fetchers[i]!;
    const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: i + 1, size: sizes[i]! }, start, end, { window: 8, initialWindow: 1, headBlockSize: 64 * KiB, aheadSeconds: 4, cache, now: () => clock });
    let pos = start;
    for (let c = await stream.next(); c !== null; c = await stream.next()) {
      assert.equal(firstMismatch(c, i + 1, pos), -1, `file ${i + 1} at ${pos}`);
      pos += c.byteLength;
      clock += 1;
      await tick();
    }
    assert.equal(pos, end + 1, `file ${i + 1} from ${start} complete`);
  };
  await Promise.all(sizes.flatMap((size, i) => [run(i, 0, size - 1), run(i, 1_000_000, size - 1), run(i, MiB - 10, MiB + 10)]));
  cache.clear();
  assert.equal(budget.stats().usedBytes, 0);
});
