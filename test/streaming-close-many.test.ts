// 200 consumers walk away mid-stream. Afterwards neither the streaming layer nor the supervisor holds a job,
// a buffer or a timer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { openReadAhead, readAheadStats } from '../src/streaming/read-ahead.ts';
import { firstMismatch } from './fixtures/fake-session-control.ts';

const SIZE = 4 * 1024 * 1024;
const { sup } = startCluster(4, { fake: { defaultSize: SIZE }, prepare: (f) => f.slow(5), inFlightPerSession: 8 });
after(() => sup.stop());

test('200 consumers closing mid-stream leave no in-flight job, buffer or timer behind', async () => {
  await waitFor('all ready', () => sup.states().every((s) => s.state === 'ready'), 10_000);
  let seed = 7;
  const rand = (n: number) => { seed = (seed * 48271) % 2147483647; return seed % n; };
  let pulled = 0;
  const consumers = Array.from({ length: 200 }, async (_, k) => {
    const messageId = 1000 + k;
    const start = rand(SIZE / 2);
    const stream = openReadAhead(sup.fetchBlock, { chatId: '-1001', messageId, size: SIZE }, start, SIZE - 1,
      { window: 4, blockSize: 16384, idleMs: k % 2 === 0 ? 5000 : 0 });
    const take = rand(6); // 0..5 chunks, then walk away
    let pos = start;
    for (let i = 0; i < take; i++) {
      const chunk = await stream.next();
      assert.ok(chunk);
      assert.equal(firstMismatch(chunk, messageId, pos), -1);
      pos += chunk.byteLength;
      pulled++;
    }
    // Half close while a next() is still pending, as an HTTP abort would.
    if (k % 2 === 1) {
      const pending = stream.next();
      stream.close();
      const last = await pending;
      assert.ok(last === null || last.byteLength > 0);
    } else {
      stream.close();
    }
    assert.equal(await stream.next(), null);
  });
  await Promise.all(consumers);
  assert.ok(pulled > 200);

  await waitFor('the supervisor to drain', () => {
    const s = sup.stats();
    return s.inFlight === 0 && s.queued === 0;
  }, 10_000);
  const rs = readAheadStats();
  assert.deepEqual({ open: rs.openStreams, jobs: rs.inFlightJobs, buffered: rs.bufferedBytes, timers: rs.timers, budget: rs.budget.usedBytes, waiters: rs.budget.waiters },
    { open: 0, jobs: 0, buffered: 0, timers: 0, budget: 0, waiters: 0 });
  const s = sup.stats();
  assert.equal(s.inFlight, 0);
  assert.equal(s.queued, 0);
  assert.equal(s.timers, 0, 'no queue or call deadline left');
  assert.ok(s.pendingCalls <= 4, 'at most one heartbeat ping per session');
  assert.ok(s.aborted > 0, 'some jobs were aborted');
  assert.equal(s.failed, 0);
  console.log(`aborted ${s.aborted} jobs, dropped ${s.dropped} late results, completed ${s.completed}`);
});
