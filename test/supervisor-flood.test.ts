// One session is told FLOOD_WAIT: streams go on over the others with no error, and that session gets no job
// until its wait is over, then takes work again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { readVerified, watchStates } from './fixtures/fake-streams.ts';
import { Slot } from './fixtures/fake-session-control.ts';

const SIZE = 1024 * 1024;
const WAIT_S = 1;
const { sup, fakes, history } = startCluster(3, {
  fake: { defaultSize: SIZE },
  prepare: (f) => f.slow(25),
  inFlightPerSession: 2,
});
after(() => sup.stop());

test('a flood-waiting session is skipped until the wait ends; consumers see no error', async () => {
  await waitFor('all sessions ready', () => sup.states().every((s) => s.state === 'ready'), 10_000);
  const watch = watchStates(sup);
  fakes[0]!.floodNext(1, WAIT_S);

  // Enough work, paced, to outlast the wait.
  const t0 = Date.now();
  const streams = Array.from({ length: 4 }, (_, k) => readVerified(sup, 7 + k, SIZE, 0, SIZE - 1, { window: 2, blockSize: 16384 }));
  const results = await Promise.all(streams);
  assert.ok(Date.now() - t0 > WAIT_S * 1000, 'the streams outlasted the wait');
  for (const r of results) assert.equal(r.bytes, SIZE);
  watch.stop();

  const flood = history.find((e) => e.index === 0 && e.state === 'flood-wait');
  assert.ok(flood, 'session 0 entered flood-wait');
  const until = flood.floodUntil;
  assert.ok(until !== undefined);
  // The seconds crossed the thread boundary: the deadline is WAIT_S after the flood was seen.
  assert.ok(Math.abs(until - flood.at - WAIT_S * 1000) < 100, `floodUntil ${until - flood.at} ms after`);
  const back = history.find((e) => e.index === 0 && e.state === 'ready' && e.previous === 'flood-wait');
  assert.ok(back, 'session 0 returned to ready');
  assert.ok(back.at >= until - 5, 'not before the wait was over');
  assert.deepEqual(watch.seen[0], ['ready', 'flood-wait', 'ready']);
  assert.equal(fakes[0]!.get(Slot.FLOODS_SENT), 1);

  // Calls posted before the flood was known may still land just after it; nothing may arrive later in the wait.
  const arrivals = fakes[0]!.arrivals();
  const during = arrivals.filter((t) => t > flood.at + 30 && t < until);
  assert.deepEqual(during, [], 'no job reached session 0 during its flood wait');
  assert.ok(arrivals.some((t) => t >= until), 'session 0 got work again after the wait');
  for (const f of fakes.slice(1)) assert.ok(f.arrivals().some((t) => t > flood.at + 30 && t < until), 'the others carried the load');
  assert.equal(sup.stats().failed, 0);
  assert.ok(sup.stats().retried >= 1, 'the flooded job was re-issued');
});
