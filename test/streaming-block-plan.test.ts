import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBlocks, listBlocks, nextBlock, alignedBlockSize, chooseBlockSize, isValidBlockSize, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE, type BlockPlan, type BlockRange, type PlannedBlock } from '../src/streaming/block-plan.ts';

const MiB = 1024 * 1024;
const BLOCK_SIZES = [4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, MiB];

/** Checks every property a plan must have (with a head ramp of `headBlockSize` when given); returns the number of blocks. */
function checkPlan(plan: BlockPlan, size: number, start: number, end: number, headBlockSize?: number): number {
  const blocks = listBlocks(plan);
  assert.equal(blocks.length, plan.count);
  assert.ok(plan.count >= 1);
  let pos = start;
  for (const [i, b] of blocks.entries()) {
    // upload.getFile rules, and no request crossing a 1 MiB boundary.
    assert.equal(b.offset % 4096, 0, `offset ${b.offset} % 4096`);
    assert.equal(b.limit % 4096, 0);
    assert.equal(MiB % b.limit, 0);
    assert.equal(Math.floor(b.offset / MiB), Math.floor((b.offset + b.limit - 1) / MiB), 'block stays in one 1 MiB window');
    assert.equal(b.offset % b.limit, 0, 'aligned to its own size');
    if (i < plan.head.length) {
      assert.ok(b.limit < plan.blockSize, 'a head block is smaller than the plan\'s blocks');
      if (i === 0) assert.equal(b.limit, headBlockSize, 'the first block is the head block size');
      else assert.ok(b.limit >= blocks[i - 1]!.limit, 'the head ramp never shrinks');
    } else {
      assert.equal(b.limit, plan.blockSize);
    }
    assert.equal(b.length, Math.min(b.limit, size - b.offset), 'length is what the file holds there');
    assert.ok(b.length > 0, 'no block lies wholly past the end of the file');
    assert.ok(0 <= b.sliceStart && b.sliceStart < b.sliceEnd && b.sliceEnd <= b.length, `slice of block ${i}`);
    assert.equal(b.offset + b.sliceStart, pos, `block ${i} continues where the previous ended`);
    if (i > 0) assert.equal(b.sliceStart, 0, 'only the first block is trimmed at the front');
    if (i < blocks.length - 1) assert.equal(b.sliceEnd, b.length, 'only the last block is trimmed at the end');
    pos = b.offset + b.sliceEnd;
  }
  assert.equal(pos, end + 1, 'the slices cover exactly [start, end]');
  assert.equal(plan.headTrim, start - blocks[0]!.offset);
  const last = blocks.at(-1)!;
  assert.equal(plan.tailTrim, last.length - last.sliceEnd);
  // Minimal: the first block holds `start`, the last holds `end`.
  assert.ok(blocks[0]!.offset <= start && start < blocks[0]!.offset + blocks[0]!.limit);
  assert.ok(last.offset <= end && end < last.offset + last.limit);
  return blocks.length;
}

function interesting(size: number, bs: number): number[] {
  const pts = new Set<number>([0, 1, 2, size - 2, size - 1, Math.floor(size / 2)]);
  const top = Math.floor(size / bs);
  // Block and 1 MiB boundaries near both ends of the file; the middle of a long file adds nothing new.
  for (const k of [1, 2, 3, top - 1, top, top + 1, MiB / bs, MiB / bs + 1]) for (const d of [-1, 0, 1]) pts.add(k * bs + d);
  return [...pts].filter((p) => p >= 0 && p < size).sort((a, b) => a - b);
}

test('every start/end pair over the block, 1 MiB and file-end edges, for every block size', () => {
  let plans = 0;
  for (const bs of BLOCK_SIZES) {
    for (const size of new Set([1, 2, 4095, 4096, 4097, bs - 1, bs, bs + 1, 3 * bs + 5, 2 * MiB + 3])) {
      const pts = interesting(size, bs);
      for (const start of pts) for (const end of pts) {
        if (end < start) continue;
        checkPlan(planBlocks(size, start, end, bs), size, start, end);
        plans++;
      }
    }
  }
  assert.ok(plans > 4000, `checked ${plans} plans`);
});

test('exhaustive over every range of a 3-block-and-a-bit file at 4 KiB blocks (sampled every 97 bytes)', () => {
  const size = 3 * 4096 + 123;
  let plans = 0;
  for (let start = 0; start < size; start += 97) {
    for (let end = start; end < size; end += 97) {
      checkPlan(planBlocks(size, start, end, 4096), size, start, end);
      plans++;
    }
    checkPlan(planBlocks(size, start, size - 1, 4096), size, start, size - 1);
  }
  assert.ok(plans > 8000);
});

test('1-byte file', () => {
  const plan = planBlocks(1, 0, 0);
  assert.equal(plan.blockSize, 4096);
  assert.equal(plan.count, 1);
  assert.deepEqual(listBlocks(plan), [{ index: 0, offset: 0, limit: 4096, length: 1, sliceStart: 0, sliceEnd: 1 }]);
  assert.equal(plan.headTrim, 0);
  assert.equal(plan.tailTrim, 0);
});

test('a range ending at S-1 whose last block is short because the file ends', () => {
  const size = 2 * MiB + 10;
  const plan = planBlocks(size, MiB - 5, size - 1, MiB);
  const blocks = listBlocks(plan);
  assert.equal(blocks.length, 3);
  assert.deepEqual(blocks.map((b) => [b.offset, b.length, b.sliceStart, b.sliceEnd]), [
    [0, MiB, MiB - 5, MiB],
    [MiB, MiB, 0, MiB],
    [2 * MiB, 10, 0, 10],
  ]);
  assert.equal(plan.tailTrim, 0);
  checkPlan(plan, size, MiB - 5, size - 1);
});

test('large files at default block sizes: random ranges near the ends and the 2 GiB / 4 GiB marks', () => {
  let seed = 12345;
  const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (const size of [2 * 1024 * MiB, 4 * 1024 * MiB - 1, 1536 * MiB + 777]) {
    for (let k = 0; k < 300; k++) {
      const start = k % 3 === 0 ? rand(size) : size - 1 - rand(3 * MiB);
      const end = k % 2 === 0 ? size - 1 : Math.min(size - 1, start + rand(8 * MiB));
      checkPlan(planBlocks(size, start, end), size, start, end);
    }
  }
});

test('block size grows with the range: power of two in [4 KiB, 1 MiB], about four blocks per range', () => {
  let previous = 0;
  for (let len = 1; len <= 64 * MiB; len = len < 100 ? len + 1 : Math.ceil(len * 1.07)) {
    const bs = chooseBlockSize(len);
    assert.ok(isValidBlockSize(bs), `${bs} for ${len}`);
    assert.ok(bs >= previous, 'monotonic');
    previous = bs;
    if (bs > MIN_BLOCK_SIZE) assert.ok(len > (bs / 2) * 4, `${len} B does not need ${bs} B blocks`);
    if (bs < MAX_BLOCK_SIZE) assert.ok(len <= bs * 4, `${len} B gets at most 4 blocks of ${bs}`);
  }
  assert.equal(chooseBlockSize(1), 4096);
  assert.equal(chooseBlockSize(16384), 4096);
  assert.equal(chooseBlockSize(16385), 8192);
  assert.equal(chooseBlockSize(4 * MiB), MiB);
  assert.equal(chooseBlockSize(2 ** 40), MiB);
});

test('bad input is refused with SB_ERR_* codes', () => {
  const bad: [number, number, number, number?][] = [
    [0, 0, 0], [-1, 0, 0], [10.5, 0, 1], [100, 5, 4], [100, -1, 5], [100, 0, 100], [100, 0, 1.5], [Number.NaN, 0, 0],
  ];
  for (const [size, start, end] of bad) {
    assert.throws(() => planBlocks(size, start, end), { code: 'SB_ERR_RANGE_INVALID' }, `${size} ${start} ${end}`);
  }
  for (const bs of [0, 1000, 4095, 6144, 2 * MiB, 4096.5]) {
    assert.throws(() => planBlocks(100, 0, 99, bs), { code: 'SB_ERR_BLOCK_SIZE_INVALID' }, String(bs));
  }
  assert.throws(() => chooseBlockSize(0), { code: 'SB_ERR_RANGE_INVALID' });
});

test('a head ramp: the first block small, then doubling with its alignment up to the first full block', () => {
  const KiB = 1024;
  const plan = planBlocks(8 * MiB, 0, 8 * MiB - 1, MiB, 128 * KiB);
  assert.deepEqual(listBlocks(plan).slice(0, 5).map((b) => [b.offset / KiB, b.limit / KiB]), [[0, 128], [128, 128], [256, 256], [512, 512], [1024, 1024]]);
  assert.equal(plan.count, 4 + 7);
  const mid = planBlocks(8 * MiB, 1300 * KiB, 8 * MiB - 1, MiB, 128 * KiB);
  assert.deepEqual(listBlocks(mid).slice(0, 4).map((b) => [b.offset / KiB, b.limit / KiB]), [[1280, 128], [1408, 128], [1536, 512], [2048, 1024]]);
  // Every property, over starts and ends around block, ramp and file edges, for several head sizes.
  for (const size of [3 * MiB + 4097, 130 * 1024, 1]) {
    for (const h of [4096, 64 * KiB, 128 * KiB, 512 * KiB]) {
      const starts = interesting(size, h);
      for (const start of starts) {
        for (const end of [start, start + 1, start + h, size - 1].filter((e) => e >= start && e < size)) checkPlan(planBlocks(size, start, end, MiB, h), size, start, end, h);
      }
    }
  }
  // A head block size not below the plan's block size changes nothing.
  assert.deepEqual(planBlocks(4 * MiB, 10, 4 * MiB - 1, 64 * KiB, 64 * KiB).head, []);
  assert.throws(() => planBlocks(100, 0, 99, undefined, 5000), { code: 'SB_ERR_BLOCK_SIZE_INVALID' });
});

/** Cuts `range` with nextBlock, asking for want(i) at block i. */
function cut(range: BlockRange, want: (i: number) => number): PlannedBlock[] {
  const out: PlannedBlock[] = [];
  for (let b = nextBlock(range, null, want(0)); b !== null; b = nextBlock(range, b, want(out.length))) {
    out.push(b);
    assert.ok(out.length < 100_000, 'the cut ends');
  }
  return out;
}

test('block by block: a constant want cuts a range as planBlocks does', () => {
  const KiB = 1024;
  for (const size of [3 * MiB + 4097, 130 * KiB, 1, 9 * MiB]) {
    for (const [bs, h] of [[MiB, 128 * KiB], [MiB, MiB], [64 * KiB, 4096], [4096, 4096]] as const) {
      for (const start of interesting(size, h)) {
        for (const end of [start, start + h, size - 1].filter((e) => e >= start && e < size)) {
          const plan = planBlocks(size, start, end, bs, h);
          assert.deepEqual(cut({ size, start, endInclusive: end, firstBlockSize: Math.min(h, bs) }, () => bs), listBlocks(plan), `${size} ${start}-${end} ${bs}/${h}`);
        }
      }
    }
  }
});

test('block by block: whatever size is wanted, every block keeps getFile\'s rules and the range is covered exactly', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < 300; round++) {
    const size = 1 + Math.floor(rand() * 12 * MiB);
    const start = Math.floor(rand() * size);
    const end = start + Math.floor(rand() * (size - start));
    const first = BLOCK_SIZES[Math.floor(rand() * BLOCK_SIZES.length)]!;
    const wants = Array.from({ length: 64 }, () => 4096 + Math.floor(rand() * 2 * MiB));
    const blocks = cut({ size, start, endInclusive: end, firstBlockSize: first }, (i) => wants[i % wants.length]!);
    let pos = start;
    for (const [i, b] of blocks.entries()) {
      assert.equal(b.index, i);
      assert.ok(isValidBlockSize(b.limit), `limit ${b.limit}`);
      assert.equal(b.offset % b.limit, 0, 'aligned to its own size');
      assert.equal(Math.floor(b.offset / MiB), Math.floor((b.offset + b.limit - 1) / MiB), 'within one 1 MiB window');
      if (i > 0) {
        assert.equal(b.offset, blocks[i - 1]!.offset + blocks[i - 1]!.limit, 'contiguous');
        assert.ok(b.limit <= Math.max(MIN_BLOCK_SIZE, wants[i % wants.length]!), 'never above the size wanted');
      }
      assert.equal(b.length, Math.min(b.limit, size - b.offset));
      assert.equal(b.offset + b.sliceStart, pos, `block ${i} continues the range`);
      pos += b.sliceEnd - b.sliceStart;
    }
    assert.equal(pos, end + 1, `range ${start}-${end} of ${size} covered exactly`);
  }
  assert.equal(alignedBlockSize(0, 5 * MiB), MiB);
  assert.equal(alignedBlockSize(3 * 65536, MiB), 65536);
  assert.equal(alignedBlockSize(MiB, 100_000), 65536, 'rounded down to a power of two');
  assert.equal(alignedBlockSize(MiB, 1), MIN_BLOCK_SIZE);
});
