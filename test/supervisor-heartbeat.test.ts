// A worker that stops answering pings is declared hung, terminated and restarted; its pending job moves on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { Slot, firstMismatch } from './fixtures/fake-session-control.ts';

const { sup, fakes, history } = startCluster(2, { heartbeatMs: 100, inFlightPerSession: 1 });
after(() => sup.stop());

test('heartbeat timeout on a hung worker → restart, and its pending job completes elsewhere', async () => {
  await waitFor('both ready', () => sup.states().every((s) => s.state === 'ready'), 10_000);
  fakes[0]!.hang();
  // Two jobs, one per session: the one on the hung session never gets an answer from it.
  const jobs = [0, 4096].map((offset) => sup.fetchBlock({ chatId: 'c', messageId: 3, offset, limit: 4096 }));
  await waitFor('session 0 declared hung', () => history.some((e) => e.index === 0 && e.state === 'restarting'), 3000);
  const down = history.find((e) => e.index === 0 && e.state === 'restarting')!;
  assert.equal(down.error?.code, 'SB_ERR_SESSION_UNRESPONSIVE');
  fakes[0]!.hang(false); // the replacement worker behaves

  const bufs = await Promise.all(jobs);
  assert.equal(firstMismatch(new Uint8Array(bufs[0]!), 3, 0), -1);
  assert.equal(firstMismatch(new Uint8Array(bufs[1]!), 3, 4096), -1);

  await waitFor('session 0 ready again', () => sup.states()[0]!.state === 'ready', 5000);
  assert.equal(fakes[0]!.get(Slot.BOOTS), 2, 'a new worker was started');
  assert.equal(sup.states()[1]!.state, 'ready', 'the healthy session was left alone');
  assert.equal(fakes[1]!.get(Slot.BOOTS), 1);
  assert.equal(sup.stats().failed, 0);
});
