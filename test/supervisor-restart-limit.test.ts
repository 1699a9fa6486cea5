// Restarts back off exponentially; after maxRestarts inside the window the session is 'failed' and waits for the
// long backoff (failedBaseMs) before it is tried again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { Slot } from './fixtures/fake-session-control.ts';
import { RestartBudget } from '../actors/supervisor/restart-budget.ts';

const { sup, fakes, history } = startCluster(2, { restart: { baseMs: 40, maxMs: 100, maxRestarts: 2, windowMs: 60_000 } });
after(() => sup.stop());

test('backoff doubles up to the cap, and the window forgets old restarts', () => {
  const b = new RestartBudget({ baseMs: 100, maxMs: 500, maxRestarts: 4, windowMs: 10_000, failedBaseMs: 1000, failedMaxMs: 2000 });
  assert.deepEqual([b.next(0), b.next(1), b.next(2), b.next(3), b.next(4)], [100, 200, 400, 500, null]);
  assert.equal(b.recent(5), 4);
  assert.equal(b.next(10_001), 400, 'two aged out: two remain, so the third delay');
  assert.equal(b.next(30_000), 100, 'all aged out: back to the base delay');
});

test('a session that keeps dying is restarted maxRestarts times, then failed until the long backoff', async () => {
  await waitFor('ready', () => sup.states().every((s) => s.state === 'ready'), 10_000);
  for (let round = 1; round <= 3; round++) {
    await sup.terminateSession(0);
    if (round < 3) await waitFor(`restart ${round}`, () => sup.states()[0]!.state === 'ready' && fakes[0]!.get(Slot.BOOTS) === round + 1, 5000);
  }
  await waitFor('failed', () => sup.states()[0]!.state === 'failed', 5000);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(fakes[0]!.get(Slot.BOOTS), 3, 'no fourth boot before failedBaseMs');
  assert.ok(sup.states()[0]!.retryAt! - Date.now() > 20_000, 'tried again on the long backoff');
  assert.deepEqual(history.filter((e) => e.index === 0).map((e) => e.state),
    ['ready', 'restarting', 'ready', 'restarting', 'ready', 'failed']);
  assert.equal(sup.states()[0]!.restarts, 2);
  assert.equal(await sup.terminateSession(0), false, 'nothing left to terminate');
  assert.equal(sup.states()[1]!.state, 'ready');
  assert.equal((await sup.fetchBlock({ chatId: 'c', messageId: 2, offset: 0, limit: 4096 })).byteLength, 4096);
});
