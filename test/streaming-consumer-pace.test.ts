// A consumer's pace and what follows from it: unknown until two takes, blocks never larger than what was taken,
// about half the pace window once known (64 KiB at least, the plan's block size at most), and the window in blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerPace, PACE_MIN_BLOCK } from '../src/streaming/consumer-pace.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

test('a slow consumer gets small blocks and one or two in flight; a fast one full blocks and a wide window', () => {
  let clock = 0;
  const slow = new ConsumerPace(4, MiB, () => clock);
  assert.equal(slow.known, false);
  assert.equal(slow.bytesPerSecond(), null);
  assert.equal(slow.windowBlocks(), null);
  slow.took(64 * KiB);
  assert.equal(slow.blockSize(), 64 * KiB, 'no more than was taken');
  // 16 kB/s: four seconds of it is 64 kB, half of that is under the smallest block.
  for (let i = 0; i < 6; i++) {
    clock += 4000;
    slow.took(64 * KiB);
  }
  assert.ok(Math.abs(slow.bytesPerSecond()! - 16_384) < 1, String(slow.bytesPerSecond()));
  assert.equal(slow.blockSize(), PACE_MIN_BLOCK);
  assert.equal(slow.windowBlocks(), 1);

  let t = 0;
  const fast = new ConsumerPace(4, MiB, () => t);
  fast.took(64 * KiB);
  const sizes = [fast.blockSize()];
  for (let i = 0; i < 8; i++) {
    t += 1;
    fast.took(sizes.at(-1)!);
    sizes.push(fast.blockSize());
  }
  assert.deepEqual(sizes.map((s) => s / KiB), [64, 128, 256, 512, 1024, 1024, 1024, 1024, 1024], 'doubling up to the block size as it takes');
  assert.ok(fast.windowBlocks()! > 100, 'a window far above any stream\'s bound');
});

test('not following the pace: full blocks, no window of its own', () => {
  const off = new ConsumerPace(0, 256 * KiB, () => 0);
  off.took(4096);
  off.took(4096);
  assert.equal(off.following, false);
  assert.equal(off.blockSize(), 256 * KiB);
  assert.equal(off.bytesPerSecond(), null);
  assert.equal(new ConsumerPace(4, 16 * KiB, () => 0).blockSize(), 16 * KiB, 'a plan of small blocks stays small');
});
