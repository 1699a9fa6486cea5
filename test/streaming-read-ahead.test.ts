import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openReadAhead, readAheadStats } from '../src/streaming/read-ahead.ts';
import { ByteBudget } from '../src/streaming/byte-budget.ts';
import type { BlockStream } from '../src/streaming/types.ts';
import { HeldFetcher, instantFetcher } from './fixtures/fake-fetcher.ts';
import { firstMismatch } from './fixtures/fake-session-control.ts';
import { waitFor } from './fixtures/fake-cluster.ts';

const tick = () => new Promise((r) => setImmediate(r));

async function drain(stream: BlockStream): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let c = await stream.next(); c !== null; c = await stream.next()) chunks.push(c);
  return chunks;
}

function assertIdle(): void {
  const s = readAheadStats();
  assert.deepEqual({ open: s.openStreams, jobs: s.inFlightJobs, buffered: s.bufferedBytes, timers: s.timers, budget: s.budget.usedBytes, waiters: s.budget.waiters },
    { open: 0, jobs: 0, buffered: 0, timers: 0, budget: 0, waiters: 0 });
}

test('yields exactly the range, in order, as views on the fetched buffers', async () => {
  const size = 300_001;
  for (const [start, end, blockSize] of [[0, size - 1, 65536], [5, 5, undefined], [4095, 4096, 4096], [12_345, 250_000, 8192], [size - 10, size - 1, undefined], [0, size - 1, undefined]] as const) {
    const { fetch, served } = instantFetcher(size);
    const stream = openReadAhead(fetch, { chatId: 'c', messageId: 9, size }, start, end, { window: 3, blockSize });
    const chunks = await drain(stream);
    let pos = start;
    for (const chunk of chunks) {
      assert.equal(firstMismatch(chunk, 9, pos), -1, `bytes at ${pos}`);
      assert.ok(served.includes(chunk.buffer as ArrayBuffer), 'a view on the fetched ArrayBuffer, not a copy');
      pos += chunk.byteLength;
    }
    assert.equal(pos, end + 1, `range ${start}-${end} covered exactly`);
    assert.equal(await stream.next(), null, 'stays at the end');
  }
  assertIdle();
});

test('keeps W blocks in flight and fetches nothing beyond the window until the consumer pulls', async () => {
  const f = new HeldFetcher(1024 * 1024);
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 1, size: f.size }, 0, f.size - 1, { window: 3, blockSize: 65536 });
  assert.equal(f.calls.length, 3, 'window filled at open');
  assert.deepEqual(f.calls.map((c) => c.req.offset), [0, 65536, 131072]);
  for (const c of f.calls) c.resolve();
  await tick(); await tick();
  assert.equal(f.calls.length, 3, 'all three done, consumer idle: nothing more requested');
  assert.equal(readAheadStats().bufferedBytes, 3 * 65536);

  const first = await stream.next();
  assert.equal(first?.byteLength, 65536);
  assert.equal(f.calls.length, 4, 'one pull, one more block');
  await stream.next();
  assert.equal(f.calls.length, 5);
  stream.close();
  await tick(); // the aborted fetches settle
  assertIdle();
});

test('blocks completing out of order are still handed out in order', async () => {
  const size = 5 * 4096;
  const f = new HeldFetcher(size);
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 3, size }, 100, size - 1, { window: 5, blockSize: 4096 });
  const pulled = stream.next();
  for (const c of [...f.calls].reverse()) c.resolve();
  const chunks = [await pulled, ...(await drain(stream))];
  let pos = 100;
  for (const c of chunks) { assert.equal(firstMismatch(c!, 3, pos), -1); pos += c!.byteLength; }
  assert.equal(pos, size);
  assertIdle();
});

test('close() aborts in-flight jobs, resolves a pending next() with null, and leaves nothing behind', async () => {
  const f = new HeldFetcher(1024 * 1024);
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 1, size: f.size }, 0, f.size - 1, { window: 4, blockSize: 65536 });
  f.calls[1]!.resolve(); // buffered but not yet consumed
  await tick();
  const pending = stream.next(); // waits on block 0
  stream.close();
  assert.equal(await pending, null);
  assert.equal(await stream.next(), null);
  assert.ok(f.calls.every((c) => c.signal.aborted || c.settled));
  assert.equal(f.calls.filter((c) => c.signal.aborted).length, 3);
  await tick();
  assertIdle();
});

test('a failed block is reported when the consumer reaches it; earlier blocks still arrive', async () => {
  const size = 4 * 4096;
  const f = new HeldFetcher(size);
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 2, size }, 0, size - 1, { window: 4, blockSize: 4096 });
  f.calls[2]!.reject(Object.assign(new Error('boom'), { code: 'SB_ERR_BLOCK_RETRIES_EXHAUSTED' }));
  f.calls[0]!.resolve();
  f.calls[1]!.resolve();
  assert.equal((await stream.next())?.byteLength, 4096);
  assert.equal((await stream.next())?.byteLength, 4096);
  await assert.rejects(stream.next(), { code: 'SB_ERR_BLOCK_RETRIES_EXHAUSTED' });
  assert.ok(f.calls[3]!.signal.aborted, 'the rest of the window is aborted');
  await assert.rejects(stream.next(), { code: 'SB_ERR_BLOCK_RETRIES_EXHAUSTED' }, 'the error sticks');
  await tick();
  assertIdle();
});

test('a block of the wrong length is an error, not silent corruption', async () => {
  const stream = openReadAhead(async () => new ArrayBuffer(100), { chatId: 'c', messageId: 2, size: 10_000 }, 0, 9_999, { blockSize: 4096 });
  await assert.rejects(stream.next(), { code: 'SB_ERR_BLOCK_LENGTH' });
  await tick();
  assertIdle();
});

test('next() while a next() is pending is refused', async () => {
  const f = new HeldFetcher(8192);
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 2, size: 8192 }, 0, 8191, { blockSize: 4096 });
  const first = stream.next();
  await assert.rejects(stream.next(), { code: 'SB_ERR_STREAM_BUSY' });
  f.calls[0]!.resolve();
  assert.equal((await first)?.byteLength, 4096);
  stream.close();
  await tick();
  assertIdle();
});

test('the byte budget is shared: a stream waits for budget, but always gets one block', async () => {
  const bs = 4096;
  const budget = new ByteBudget(3 * bs);
  const f = new HeldFetcher(64 * bs);
  const file = { chatId: 'c', messageId: 4, size: f.size };
  const a = openReadAhead(f.fetch, file, 0, f.size - 1, { window: 8, blockSize: bs, budget });
  assert.equal(f.calls.length, 3, 'A stops at the budget, below its window');
  const b = openReadAhead(f.fetch, file, 0, f.size - 1, { window: 8, blockSize: bs, budget });
  assert.equal(f.calls.length, 4, 'B still gets its first block so it cannot deadlock');
  assert.equal(budget.stats().waiters, 2);
  for (const c of f.pending()) c.resolve();
  await tick();
  await a.next(); // frees one block of budget: the first waiter (A) gets it
  await b.next(); // B's forced block is released, B had been waiting: it refills
  assert.ok(budget.stats().usedBytes <= 3 * bs + bs, `used ${budget.stats().usedBytes}`);
  const chunksA = await (async () => { const out = []; for (let i = 0; i < 5; i++) { const p = a.next(); for (const c of f.pending()) c.resolve(); out.push(await p); } return out; })();
  assert.equal(chunksA.length, 5);
  a.close();
  b.close();
  await tick();
  assert.deepEqual(budget.stats(), { maxBytes: 3 * bs, usedBytes: 0, waiters: 0 });
  assertIdle();
});

test('an idle consumer gives its read-ahead back and resumes byte-exact', async () => {
  const size = 16 * 4096;
  const { fetch } = instantFetcher(size);
  const stream = openReadAhead(fetch, { chatId: 'c', messageId: 6, size }, 10, size - 1, { window: 4, blockSize: 4096, idleMs: 30 });
  const first = await stream.next();
  assert.equal(readAheadStats().timers, 1);
  await waitFor('the read-ahead to be released', () => readAheadStats().timers === 0 && readAheadStats().bufferedBytes === 0 && readAheadStats().inFlightJobs === 0, 2000);
  assert.equal(readAheadStats().budget.usedBytes, 0);
  const rest = await drain(stream);
  let pos = 10;
  for (const c of [first!, ...rest]) { assert.equal(firstMismatch(c, 6, pos), -1); pos += c.byteLength; }
  assert.equal(pos, size);
  assertIdle();
});

test('bad arguments are refused up front', () => {
  const { fetch } = instantFetcher(100);
  const file = { chatId: 'c', messageId: 1, size: 100 };
  assert.throws(() => openReadAhead(fetch, file, 10, 9), { code: 'SB_ERR_RANGE_INVALID' });
  assert.throws(() => openReadAhead(fetch, file, 0, 100), { code: 'SB_ERR_RANGE_INVALID' });
  assert.throws(() => openReadAhead(fetch, file, 0, 99, { window: 0 }), { code: 'SB_ERR_INVALID_OPTION' });
  assert.throws(() => openReadAhead(fetch, file, 0, 99, { blockSize: 5000 }), { code: 'SB_ERR_BLOCK_SIZE_INVALID' });
  assert.throws(() => openReadAhead(fetch, { ...file, messageId: 1.5 }, 0, 99), TypeError);
  assertIdle();
});

test('slow start: a new stream fetches initialWindow blocks, one more per block taken, up to the window', async () => {
  const f = new HeldFetcher(64 * 65536);
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 4, size: f.size }, 0, f.size - 1, { window: 5, initialWindow: 2, blockSize: 65536 });
  assert.equal(f.calls.length, 2, 'two blocks at open');
  const requested: number[] = [];
  for (let k = 0; k < 5; k++) {
    f.calls[k]!.resolve();
    await stream.next();
    requested.push(f.calls.length);
  }
  // After k + 1 blocks taken the window is min(5, 2 + k + 1): requested = taken + window.
  assert.deepEqual(requested, [1 + 3, 2 + 4, 3 + 5, 4 + 5, 5 + 5]);
  stream.close();
});

test('with aheadSeconds the window follows the consumer: a slow reader keeps one block ahead, a fast one the whole window', async () => {
  const bs = 65536;
  const f = new HeldFetcher(256 * bs);
  let clock = 0;
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 8, size: f.size }, 0, f.size - 1, { window: 8, initialWindow: 8, blockSize: bs, aheadSeconds: 4, now: () => clock });
  assert.equal(f.calls.length, 8, 'no pace measured yet: the whole window');
  const take = async (ms: number) => {
    clock += ms;
    for (const c of f.pending()) c.resolve();
    await tick();
    assert.ok(await stream.next());
  };
  // A client draining 64 KiB every 10 s (~6.5 kB/s): 4 s of that is well under a block.
  for (let i = 0; i < 12; i++) await take(10_000);
  const slowAhead = f.calls.length - 12;
  assert.ok(slowAhead <= 1 + 1, `a slow reader keeps about one block ahead (${slowAhead} beyond what it took)`);
  const before = f.calls.length;
  // Not draining: nothing more is fetched, however long it waits.
  clock += 60_000;
  for (const c of f.pending()) c.resolve();
  await tick();
  assert.equal(f.calls.length, before, 'a stream whose client does not drain fetches nothing more');
  // The client speeds up (64 KiB per ms): the window opens up to its bound.
  for (let i = 0; i < 12; i++) await take(1);
  const taken = 24;
  assert.equal(f.calls.length - taken, 8, 'a fast reader gets the whole window');
  stream.close();
  await tick();
  assertIdle();
});

test('aheadSeconds must be a number of at least 0', () => {
  const { fetch } = instantFetcher(100);
  assert.throws(() => openReadAhead(fetch, { chatId: 'c', messageId: 1, size: 100 }, 0, 99, { aheadSeconds: -1 }), { code: 'SB_ERR_INVALID_OPTION' });
});

test('following the pace, a slow reader\'s blocks shrink to 64 KiB and a fast reader\'s grow back to full ones, byte-exact', async () => {
  const KiB = 1024;
  const MiB = 1024 * KiB;
  const f = new HeldFetcher(32 * MiB);
  let clock = 0;
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 3, size: f.size }, 0, f.size - 1, { window: 8, initialWindow: 1, blockSize: MiB, headBlockSize: 128 * KiB, aheadSeconds: 4, now: () => clock });
  let pos = 0;
  const take = async (ms: number) => {
    clock += ms;
    for (const c of f.pending()) c.resolve();
    await tick();
    const chunk = await stream.next();
    assert.ok(chunk);
    assert.equal(firstMismatch(chunk, 3, pos), -1, `bytes at ${pos}`);
    pos += chunk.byteLength;
  };
  // About 13 kB/s: two blocks of four seconds' worth is well under 64 KiB, so blocks go down to 64 KiB.
  for (let i = 0; i < 10; i++) await take(10_000);
  const slow = f.calls.slice(4).map((c) => c.req.limit);
  assert.ok(slow.length > 0 && slow.every((l) => l === 64 * KiB), `a slow reader's blocks: ${slow.map((l) => l / KiB)} KiB`);
  const beforeFast = f.calls.length;
  for (let i = 0; i < 20; i++) await take(1);
  const fast = f.calls.slice(beforeFast).map((c) => c.req.limit);
  assert.equal(fast.at(-1), MiB, `a fast reader's blocks grow back to 1 MiB (${fast.map((l) => l / KiB)} KiB)`);
  for (const [i, c] of f.calls.entries()) assert.equal(c.req.offset % c.req.limit, 0, `block ${i} aligned to its size`);
  stream.close();
  await tick();
  assertIdle();
});

test('a block handed to the consumer holds its budget until the consumer asks for the next one', async () => {
  const bs = 4096;
  const budget = new ByteBudget(64 * bs);
  const f = new HeldFetcher(16 * bs);
  const stream = openReadAhead(f.fetch, { chatId: 'c', messageId: 2, size: f.size }, 0, f.size - 1, { window: 1, blockSize: bs, budget });
  f.calls[0]!.resolve();
  await tick();
  assert.ok(await stream.next());
  assert.equal(budget.stats().usedBytes, 2 * bs, 'the block being sent and the one fetched next');
  const next = stream.next();
  assert.equal(budget.stats().usedBytes, bs, 'asking for more gives the sent block back');
  for (const c of f.pending()) c.resolve();
  assert.ok(await next);
  stream.close();
  await tick();
  assert.equal(budget.stats().usedBytes, 0);
  assertIdle();
});
