// A worker that cannot boot is 'failed' and retried on a long, growing backoff (never a respawn loop, never given
// up); the others carry on, and a failed session that can start again comes back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { Slot } from './fixtures/fake-session-control.ts';

const failed = { failedBaseMs: 700, failedMaxMs: 1400 };
const mixed = startCluster(3, { restart: { baseMs: 50, maxMs: 400, ...failed }, prepare: (f, i) => { if (i < 2) f.failBoot(i === 0 ? 1 : 2); } });
const allBad = startCluster(2, { restart: { baseMs: 50, maxMs: 400, ...failed }, prepare: (f) => f.failBoot(1) });
after(() => Promise.all([mixed.sup.stop(), allBad.sup.stop()]));

test('start() rejecting or the module throwing → failed, retried only after the long backoff, then back when it can start', async () => {
  const { sup, fakes, history } = mixed;
  await sup.ready();
  await waitFor('both broken sessions failed', () => sup.states()[0]!.state === 'failed' && sup.states()[1]!.state === 'failed', 10_000);
  assert.equal(fakes[0]!.get(Slot.BOOTS), 1, 'no quick respawn');
  assert.equal(fakes[1]!.get(Slot.BOOTS), 1);
  assert.equal(sup.states()[2]!.state, 'ready');
  const s0 = sup.states()[0]!;
  assert.equal(s0.lastError?.code, 'SB_ERR_SESSION_BOOTSTRAP');
  assert.ok(s0.retryAt! > Date.now(), 'the snapshot says when it is tried again');
  const buf = await sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 0, limit: 4096 });
  assert.equal(buf.byteLength, 4096, 'the healthy session serves');

  await waitFor('tried again', () => fakes[0]!.get(Slot.BOOTS) >= 2 && fakes[1]!.get(Slot.BOOTS) >= 2, 10_000);
  fakes[0]!.failBoot(0);
  fakes[1]!.failBoot(0);
  await waitFor('both healed', () => sup.states().every((s) => s.state === 'ready'), 15_000);
  const states0 = history.filter((e) => e.index === 0).map((e) => e.state);
  assert.deepEqual(states0.slice(0, 3), ['failed', 'restarting', 'failed']);
  assert.equal(states0.at(-1), 'ready');
});

test('every session failing: ready() rejects with SB_ERR_NO_SESSION; a queued job waits and runs once one heals; health follows', async () => {
  const { sup, fakes } = allBad;
  const early = sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 0, limit: 4096 });
  await assert.rejects(sup.ready(), { code: 'SB_ERR_NO_SESSION' });
  assert.equal(sup.stats().queued, 1, 'the job is not failed: sessions are retried');
  await waitFor('unhealthy', () => !sup.health(200).ok, 5000);
  assert.equal(sup.health(200).healthy, 0);
  fakes[1]!.failBoot(0);
  assert.equal((await early).byteLength, 4096);
  assert.equal(sup.states()[1]!.state, 'ready');
  assert.equal(sup.health(200).ok, true);
  await sup.ready();
});
