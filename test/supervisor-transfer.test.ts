import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from './fixtures/fake-cluster.ts';
import { Slot, firstMismatch } from './fixtures/fake-session-control.ts';

const { sup, fakes } = startCluster(2, { fake: { defaultSize: 3 * 1024 * 1024 + 1234 } });
after(() => sup.stop());

test('fetchBlock returns an ArrayBuffer with the right bytes, transferred from the worker', async () => {
  await sup.ready();
  const offsets = [0, 1024 * 1024, 2 * 1024 * 1024, 3 * 1024 * 1024];
  const bufs = await Promise.all(offsets.map((offset) => sup.fetchBlock({ chatId: '-100', messageId: 42, offset, limit: 1024 * 1024 })));
  for (const [k, buf] of bufs.entries()) {
    assert.ok(buf instanceof ArrayBuffer, 'an ArrayBuffer, not a view or a SharedArrayBuffer');
    const expected = Math.min(1024 * 1024, 3 * 1024 * 1024 + 1234 - offsets[k]!);
    assert.equal(buf.byteLength, expected);
    assert.equal(firstMismatch(new Uint8Array(buf), 42, offsets[k]!), -1, `block at ${offsets[k]} byte-exact`);
  }
  // The worker marks a block transferred only when its own buffer was detached by the postMessage.
  const served = fakes.reduce((n, f) => n + f.get(Slot.BLOCKS_SERVED), 0);
  await new Promise((r) => setTimeout(r, 20));
  const transferred = fakes.reduce((n, f) => n + f.get(Slot.BLOCKS_TRANSFERRED), 0);
  assert.equal(served, 4);
  assert.equal(transferred, 4, 'every block crossed as a transfer, not a copy');
});
