// Placement of jobs: round-robin with a least-loaded tie-break and a per-session cap, a queue while no session has
// room or none is ready, aborts, retry limits, resolveFile, worker events, and a clean stop().
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { startCluster, waitFor, FAKE_ENTRY, type Cluster } from './fixtures/fake-cluster.ts';
import { Slot, FailKind } from './fixtures/fake-session-control.ts';
import { createSupervisor, Priority } from '../actors/supervisor/index.ts';
import type { SessionWorkerEvent } from '../actors/supervisor/index.ts';

const clusters: Cluster[] = [];
function cluster(...args: Parameters<typeof startCluster>): Cluster {
  const c = startCluster(...args);
  clusters.push(c);
  return c;
}
after(() => Promise.all(clusters.map((c) => c.sup.stop())));

const block = (offset: number, messageId = 1) => ({ chatId: 'c', messageId, offset, limit: 4096 });
const served = (c: Cluster) => c.fakes.map((f) => f.get(Slot.FETCH_CALLS));

test('jobs spread round-robin, least-loaded first, never above the per-session cap', async () => {
  const c = cluster(4, { inFlightPerSession: 2, prepare: (f) => f.slow(150) });
  await waitFor('ready', () => c.sup.states().every((s) => s.state === 'ready'), 10_000);
  // Sequential jobs rotate over the sessions.
  for (const f of c.fakes) f.slow(0);
  for (let i = 0; i < 8; i++) await c.sup.fetchBlock(block(i * 4096));
  assert.deepEqual(served(c), [2, 2, 2, 2]);
  // Concurrent jobs: 8 fill every session to its cap of 2; the 9th waits.
  for (const f of c.fakes) f.slow(150);
  const jobs = Array.from({ length: 9 }, (_, i) => c.sup.fetchBlock(block(i * 4096)));
  await waitFor('8 running', () => c.sup.stats().inFlight === 8);
  assert.equal(c.sup.stats().queued, 1);
  assert.deepEqual(c.sup.states().map((s) => s.inFlight), [2, 2, 2, 2]);
  await Promise.all(jobs);
  assert.deepEqual(served(c).map((n) => n - 2).sort(), [2, 2, 2, 3]);
  assert.deepEqual(c.sup.stats().queued, 0);
});

test('a job submitted before any session is ready waits in the queue, then runs', async () => {
  const c = cluster(1);
  const early = c.sup.fetchBlock(block(0));
  assert.equal(c.sup.stats().queued, 1);
  assert.equal((await early).byteLength, 4096);
  assert.equal(c.sup.stats().timers, 0, 'its queue deadline was cleared');
});

test('a queued job fails with SB_ERR_STALLED only when no session progresses; aborts free slots at once', async () => {
  const c = cluster(1, { inFlightPerSession: 1, stallTimeoutMs: 300, callTimeoutMs: 30_000, prepare: (f) => f.slow(3000) });
  await c.sup.ready();
  const ctl0 = new AbortController();
  const running = c.sup.fetchBlock(block(0), ctl0.signal);
  const stalls = c.sup.fetchBlock(block(4096));
  await assert.rejects(stalls, { code: 'SB_ERR_STALLED' });

  const ctl = new AbortController();
  const queued = c.sup.fetchBlock(block(8192), ctl.signal);
  assert.equal(c.sup.stats().queued, 1);
  ctl.abort();
  await assert.rejects(queued, { name: 'AbortError' });
  assert.equal(c.sup.stats().queued, 0, 'removed from the queue at once');

  // The running call's job is aborted: the worker is still busy with it, but its slot is free for the next job.
  c.fakes[0]!.slow(0);
  ctl0.abort(new Error('client went away'));
  await assert.rejects(running, /client went away/);
  assert.equal(c.sup.stats().inFlight, 1, 'the worker is still busy with it');
  assert.deepEqual([c.sup.states()[0]!.inFlight, c.sup.states()[0]!.abandoned], [0, 1]);
  assert.equal((await c.sup.fetchBlock(block(12288))).byteLength, 4096, 'served while the abandoned call still runs');
  assert.equal(c.sup.stats().dropped, 0, 'the abandoned call had not finished');
  await waitFor('late result dropped', () => c.sup.stats().dropped === 1 && c.sup.stats().inFlight === 0, 5000);
  assert.equal(c.sup.states()[0]!.abandoned, 0);
  assert.equal(c.sup.stats().timers, 0);
  await assert.rejects(c.sup.fetchBlock(block(0), AbortSignal.abort()), { name: 'AbortError' });
});

test('retryable request errors are retried with backoff until they have lasted stallTimeoutMs; FLOOD_WAIT and other errors never count', async () => {
  const c = cluster(1, { stallTimeoutMs: 500, retry: { baseMs: 10, maxMs: 20 } });
  await c.sup.ready();
  c.fakes[0]!.failNext(100_000, FailKind.INTERNAL);
  const err = await c.sup.fetchBlock(block(0)).catch((e: unknown) => e) as Error & { code: string; attempts: number; cause: Error & { code: string } };
  c.fakes[0]!.failNext(0, FailKind.INTERNAL);
  assert.equal(err.code, 'SB_ERR_BLOCK_RETRIES_EXHAUSTED');
  assert.ok(err.attempts > 3, `${err.attempts} attempts`);
  assert.equal(err.cause.code, 'INTERNAL');
  const retriedBefore = c.sup.stats().retried;

  c.fakes[0]!.failNext(8, FailKind.INTERNAL); // a burst of errors: retried, no count to use up
  assert.equal((await c.sup.fetchBlock(block(0))).byteLength, 4096);

  c.fakes[0]!.floodNext(5, 0); // FLOOD_WAIT_0: the session rests for no time at all
  assert.equal((await c.sup.fetchBlock(block(0))).byteLength, 4096, 'five FLOOD_WAITs, no attempt used');
  assert.equal(c.fakes[0]!.get(Slot.FLOODS_SENT), 5);

  // Not a session fault: the same request would fail anywhere, so it is not retried.
  await assert.rejects(c.sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 100, limit: 4096 }), { name: 'RpcError', code: 'LIMIT_INVALID', rpcCode: 400 });
  assert.equal(c.sup.stats().retried - retriedBefore, 8 + 5);
});

test('resolveFile, worker events tagged with the session, diagnostics channels', async () => {
  const events: SessionWorkerEvent[] = [];
  const published: unknown[] = [];
  const onState = (m: unknown) => published.push(m);
  diagnostics_channel.subscribe('streambot:session:state', onState);
  const c = cluster(2, { fake: { sizes: { 'c:77': 12345 } } });
  c.sup.on('event', (e) => events.push(e));
  await waitFor('both ready', () => c.sup.states().every((s) => s.state === 'ready'), 10_000);
  diagnostics_channel.unsubscribe('streambot:session:state', onState);

  const meta = await c.sup.resolveFile('c', 77);
  assert.equal(meta.size, 12345);
  assert.equal(meta.messageId, 77);
  await waitFor('started events', () => events.length === 2);
  assert.deepEqual(events.map((e) => e.index).sort(), [0, 1]);
  assert.ok(events.every((e) => (e.event as { type: string }).type === 'started'));
  assert.ok(published.some((m) => (m as { state: string }).state === 'ready'));
  assert.deepEqual(c.sup.states().map((s) => [s.botId, s.username]), [['1000', 'fake_bot_0'], ['1001', 'fake_bot_1']]);
});

test('stop() asks every worker to stop, ends them, and refuses new work; the token never reaches a log', async () => {
  const c = cluster(3, { fake: { token: '999:SECRET-TOKEN' } });
  await waitFor('all ready', () => c.sup.states().every((s) => s.state === 'ready'), 10_000);
  await c.sup.fetchBlock(block(0));
  await c.sup.stop();
  assert.deepEqual(c.sup.states().map((s) => s.state), ['stopped', 'stopped', 'stopped']);
  assert.deepEqual(c.fakes.map((f) => f.get(Slot.STOPS)), [1, 1, 1]);
  assert.equal(c.sup.stats().pendingCalls, 0);
  assert.equal(c.sup.stats().timers, 0);
  await assert.rejects(c.sup.fetchBlock(block(0)), { code: 'SB_ERR_SUPERVISOR_STOPPED' });
  await assert.rejects(c.sup.ready(), { code: 'SB_ERR_SUPERVISOR_STOPPED' });
  await c.sup.stop(); // idempotent
  assert.ok(!JSON.stringify(c.logger.lines).includes('SECRET-TOKEN'));
  assert.ok(c.logger.lines.length > 0);
});

test('stop() while workers are still booting ends them at once', async () => {
  const c = cluster(3);
  const early = c.sup.fetchBlock(block(0)).catch((e: unknown) => e);
  await c.sup.stop();
  assert.deepEqual(c.fakes.map((f) => f.get(Slot.STOPS)), [0, 0, 0], 'terminated, not asked to log out: nothing had logged in');
  assert.equal((await early as { code?: string }).code, 'SB_ERR_SUPERVISOR_STOPPED');
  assert.deepEqual(c.sup.states().map((s) => s.state), ['stopped', 'stopped', 'stopped']);
  assert.equal(c.sup.stats().pendingCalls, 0);
  assert.ok(!c.logger.lines.some((l) => l.level === 'warn' || l.level === 'error'), 'a requested stop is not reported as a failure');
});

test('invalid options are refused with the option path', () => {
  const base = { workerEntry: FAKE_ENTRY, sessions: [{}] };
  assert.throws(() => createSupervisor({ ...base, sessions: [] }), { name: 'TypeError', message: /options\.sessions/ });
  assert.throws(() => createSupervisor({ ...base, inFlightPerSession: 0 }), { name: 'RangeError', code: 'SB_ERR_INVALID_OPTION', message: /options\.inFlightPerSession/ });
  assert.throws(() => createSupervisor({ ...base, restart: { baseMs: 1.5 } }), { message: /options\.restart\.baseMs/ });
  assert.throws(() => createSupervisor({ ...base, restart: { baseMs: 100, maxMs: 10 } }), { message: /options\.restart\.maxMs/ });
  assert.throws(() => createSupervisor({ ...base, workerEntry: '/nonexistent/worker.ts' }), { message: /options\.workerEntry/ });
});

test('a seek\'s first block goes ahead of queued read-ahead, and read-ahead leaves the last slot free', async () => {
  const c = cluster(1, { inFlightPerSession: 2, prepare: (f) => f.slow(150) });
  await c.sup.ready();
  const done: string[] = [];
  const stream = {};
  const ahead = Array.from({ length: 5 }, (_, i) =>
    c.sup.fetchBlock(block(i * 4096), undefined, { owner: stream, priority: () => Priority.AHEAD }).then(() => done.push(`ahead${i}`)));
  await waitFor('read-ahead running', () => c.sup.stats().inFlight === 1);
  assert.equal(c.sup.states()[0]!.inFlight, 1, 'read-ahead took one of the two slots, not both');
  assert.equal(c.sup.stats().queued, 4);
  const seek = c.sup.fetchBlock(block(1 << 20, 2), undefined, { owner: {}, priority: () => Priority.FIRST }).then(() => done.push('seek'));
  assert.equal(c.sup.states()[0]!.inFlight, 2, 'the seek\'s first block took the free slot at once');
  await Promise.all([...ahead, seek]);
  assert.ok(done.indexOf('seek') < done.indexOf('ahead1'), `only the read-ahead call already running finished before it: ${done.join(' ')}`);
});
