// One stream's read-ahead window lands on different sessions, so it goes faster than any single session allows.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { readVerified } from './fixtures/fake-streams.ts';
import { Slot } from './fixtures/fake-session-control.ts';

const CAP = 256 * 1024; // bytes/s per session
const SIZE = 2 * 1024 * 1024;
const { sup, fakes } = startCluster(4, { fake: { defaultSize: SIZE, bandwidth: CAP }, inFlightPerSession: 2 });
after(() => sup.stop());

test('one stream over 4 sessions capped at c bytes/s each gets at least 3 × c', async () => {
  await waitFor('all ready', () => sup.states().every((s) => s.state === 'ready'), 10_000);
  const t0 = performance.now();
  const r = await readVerified(sup, 5, SIZE, 0, SIZE - 1, { window: 8, blockSize: 65536 });
  const seconds = (performance.now() - t0) / 1000;
  const rate = r.bytes / seconds;
  console.log(`striping: ${(rate / 1024).toFixed(0)} KiB/s over 4 sessions capped at ${CAP / 1024} KiB/s each (${(rate / CAP).toFixed(2)} × c)`);
  assert.ok(rate >= 3 * CAP, `${(rate / CAP).toFixed(2)} × c`);
  const perSession = fakes.map((f) => f.get(Slot.BLOCKS_SERVED));
  assert.ok(perSession.every((n) => n >= 6), `every session served part of the stream: ${perSession}`);
});
