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

test('one stream over 4 sessions capped at c bytes/s each: its window runs on every session at once', async () => {
  await waitFor('all ready', () => sup.states().every((s) => s.state === 'ready'), 10_000);
  let busiest = 0;
  // Rates belong to the bench (a busy machine must not fail a test); what the scheduler did is asserted here.
  const sampler = setInterval(() => {
    busiest = Math.max(busiest, sup.states().filter((s) => s.inFlight > 0).length);
  }, 5);
  try {
    const r = await readVerified(sup, 5, SIZE, 0, SIZE - 1, { window: 8, blockSize: 65536 });
    assert.equal(r.bytes, SIZE);
  } finally {
    clearInterval(sampler);
  }
  assert.equal(busiest, 4, 'all four sessions were fetching at the same moment');
  const perSession = fakes.map((f) => f.get(Slot.BLOCKS_SERVED));
  assert.ok(perSession.every((n) => n >= 6), `every session served part of the stream: ${perSession}`);
});
