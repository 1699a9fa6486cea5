// A worker that cannot boot is marked failed and never respawned (no respawn loop); the others carry on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { Slot } from './fixtures/fake-session-control.ts';

const mixed = startCluster(3, { prepare: (f, i) => { if (i < 2) f.failBoot(i === 0 ? 1 : 2); } });
const allBad = startCluster(2, { prepare: (f) => f.failBoot(1) });
after(() => Promise.all([mixed.sup.stop(), allBad.sup.stop()]));

test('start() rejecting or the module throwing → failed, booted once, no respawn', async () => {
  const { sup, fakes, history } = mixed;
  await sup.ready();
  await waitFor('both broken sessions failed', () => sup.states()[0]!.state === 'failed' && sup.states()[1]!.state === 'failed', 10_000);
  // Many times the restart base delay: a respawn loop would have booted them again by now.
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(fakes[0]!.get(Slot.BOOTS), 1);
  assert.equal(fakes[1]!.get(Slot.BOOTS), 1);
  assert.deepEqual(sup.states().map((s) => s.state), ['failed', 'failed', 'ready']);
  assert.equal(sup.states()[0]!.lastError?.code, 'SB_ERR_SESSION_BOOTSTRAP');
  assert.ok(!history.some((e) => e.state === 'restarting'), 'never restarting');
  const buf = await sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 0, limit: 4096 });
  assert.equal(buf.byteLength, 4096, 'the healthy session serves');
});

test('every session failing: ready() and queued jobs reject with SB_ERR_NO_SESSION', async () => {
  const { sup, fakes } = allBad;
  const early = sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 0, limit: 4096 }); // queued before the verdict
  await assert.rejects(sup.ready(), { code: 'SB_ERR_NO_SESSION' });
  await assert.rejects(early, { code: 'SB_ERR_NO_SESSION' });
  await assert.rejects(sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 0, limit: 4096 }), { code: 'SB_ERR_NO_SESSION' });
  assert.deepEqual(fakes.map((f) => f.get(Slot.BOOTS)), [1, 1]);
  assert.equal(sup.stats().queued, 0);
  assert.equal(sup.stats().timers, 0);
});
