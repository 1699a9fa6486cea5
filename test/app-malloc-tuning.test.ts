// The process-wide mmap threshold: set through the addon, left alone when the user set glibc's own variable, and
// every way it cannot be set says why instead of failing the start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tuneMalloc, MMAP_THRESHOLD_BYTES } from '../src/app/malloc-tuning.ts';

test('the addon sets the threshold; a user\'s MALLOC_MMAP_THRESHOLD_ wins; a missing addon or function is reported', () => {
  const calls: number[] = [];
  const addon = { setMmapThreshold: (n: number) => { calls.push(n); return true; } };
  assert.deepEqual(tuneMalloc({}, () => addon), { applied: true, mmapThresholdBytes: MMAP_THRESHOLD_BYTES });
  assert.deepEqual(calls, [MMAP_THRESHOLD_BYTES]);
  const mine = tuneMalloc({ MALLOC_MMAP_THRESHOLD_: '65536' }, () => addon);
  assert.equal(mine.applied, false);
  assert.equal(calls.length, 1, 'not called when the user chose');
  const gone = tuneMalloc({}, () => { throw new Error('Cannot find module streambot-ige\nRequire stack: ...'); });
  assert.deepEqual(gone, { applied: false, reason: 'the streambot-ige addon did not load: Cannot find module streambot-ige' });
  assert.match((tuneMalloc({}, () => ({})) as { reason: string }).reason, /no setMmapThreshold/);
  assert.match((tuneMalloc({}, () => ({ setMmapThreshold: () => false })) as { reason: string }).reason, /not glibc/);
});

test('the built addon sets it on this machine, and refuses a nonsense size', async () => {
  const { createRequire } = await import('node:module');
  const addon = createRequire(import.meta.url)('streambot-ige') as { setMmapThreshold(n: number): boolean };
  assert.deepEqual(tuneMalloc({}), { applied: true, mmapThresholdBytes: MMAP_THRESHOLD_BYTES }, 'glibc on Linux');
  assert.throws(() => addon.setMmapThreshold(-1), RangeError);
  assert.throws(() => addon.setMmapThreshold(64 * 1024 * 1024), RangeError);
});
