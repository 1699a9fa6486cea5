// Two workers die in the middle of 8 concurrent streams, one by worker.terminate(), one by an uncaught exception.
// Every stream still completes byte-exact, and both sessions come back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { readVerified, watchStates } from './fixtures/fake-streams.ts';
import { Slot } from './fixtures/fake-session-control.ts';

const SIZE = 2 * 1024 * 1024 + 4321;
const { sup, fakes, history } = startCluster(4, {
  fake: { defaultSize: SIZE },
  prepare: (f) => f.slow(15),
  inFlightPerSession: 3,
});
after(() => sup.stop());

test('terminate() and an uncaught throw mid-stream: 8 streams complete byte-exact, the sessions restart', async () => {
  await waitFor('all sessions ready', () => sup.states().every((s) => s.state === 'ready'), 10_000);
  const watch = watchStates(sup);
  fakes[2]!.crashAfter(12); // session 2 throws an uncaught exception after serving 12 more blocks

  const streams = Array.from({ length: 8 }, (_, k) =>
    readVerified(sup, 100 + k, SIZE, k * 1000, SIZE - 1 - k * 77, { window: 4, blockSize: 65536 }));
  await waitFor('streams under way', () => fakes.reduce((n, f) => n + f.get(Slot.BLOCKS_SERVED), 0) >= 30);
  assert.equal(await sup.terminateSession(1), true);

  const results = await Promise.all(streams);
  for (const [k, r] of results.entries()) assert.equal(r.bytes, SIZE - k * 1077, `stream ${k} complete`);

  await waitFor('sessions 1 and 2 back', () => sup.states()[1]!.state === 'ready' && sup.states()[2]!.state === 'ready', 10_000);
  watch.stop();
  for (const index of [1, 2]) {
    const seen = watch.seen[index]!;
    const restarting = seen.indexOf('restarting');
    assert.ok(restarting >= 0, `states() showed session ${index} restarting: ${seen.join(' → ')}`);
    assert.ok(seen.indexOf('ready', restarting) > restarting, `then ready again: ${seen.join(' → ')}`);
    assert.equal(fakes[index]!.get(Slot.BOOTS), 2, `session ${index} booted twice`);
  }
  assert.equal(fakes[2]!.get(Slot.CRASH_AFTER), -1, 'the crash did fire');
  const down = history.filter((e) => e.state === 'restarting').map((e) => [e.index, e.error?.code]);
  assert.deepEqual(down.sort(), [[1, 'SB_ERR_SESSION_EXITED'], [2, 'SB_ERR_SESSION_EXITED']]);
  assert.ok(sup.stats().retried > 0, 'jobs of the dead workers were re-issued');
  await waitFor('no job left', () => sup.stats().inFlight === 0 && sup.stats().queued === 0);
  assert.equal(sup.stats().failed, 0);
});
