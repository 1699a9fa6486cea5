// The cleanup scheduler on fake timers: jobs run on their interval, never overlap, keep their last run (time,
// duration, result or error) for /api/stats, and stop on shutdown after the run in progress.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { createCleanupScheduler, type CleanupScheduler } from '../src/app/cleanup-jobs.ts';

const MIN = 60_000;
const START = Date.UTC(2030, 0, 1);

/** A scheduler on the test's fake clock, with the warnings it logs. */
function setup(t: TestContext): { scheduler: CleanupScheduler; warnings: string[]; tick: (ms: number) => void } {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: START });
  const warnings: string[] = [];
  const scheduler = createCleanupScheduler({ logger: pino({ level: 'warn' }, { write: (s: string) => void warnings.push(JSON.parse(s).msg) }) });
  t.after(() => void scheduler.stop());
  return { scheduler, warnings, tick: (ms) => t.mock.timers.tick(ms) };
}

/** Lets the job's promise chain settle after a fake tick. */
const settle = () => new Promise<void>((r) => setImmediate(r));

/** A job whose runs the test finishes by hand. */
function manualJob() {
  const runs: { resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  const run = () => new Promise((resolve, reject) => runs.push({ resolve, reject }));
  return { runs, run };
}

test('a job runs every interval and reports its last run', async (t) => {
  const { scheduler, tick } = setup(t);
  const job = manualJob();
  scheduler.register({ name: 'sweep', everyMs: 10 * MIN, run: job.run });
  assert.deepEqual(scheduler.report(), [{ name: 'sweep', everyMs: 10 * MIN, running: false, runs: 0, failures: 0, lastRunAt: null, lastDurationMs: null, lastResult: null, lastError: null, nextRunAt: new Date(START + 10 * MIN).toISOString() }]);

  tick(10 * MIN - 1);
  assert.equal(job.runs.length, 0, 'not before its time');
  tick(1);
  assert.equal(job.runs.length, 1);
  assert.equal(scheduler.report()[0]!.running, true);
  tick(1500);
  job.runs[0]!.resolve({ files: 3 });
  await settle();
  const after = scheduler.report()[0]!;
  assert.equal(after.running, false);
  assert.equal(after.runs, 1);
  assert.equal(after.lastRunAt, new Date(START + 10 * MIN).toISOString());
  assert.equal(after.lastDurationMs, 1500);
  assert.deepEqual(after.lastResult, { files: 3 });
  assert.equal(after.lastError, null);
  assert.equal(after.nextRunAt, new Date(START + 20 * MIN + 1500).toISOString(), 'the next run counts from the end of this one');

  tick(10 * MIN);
  assert.equal(job.runs.length, 2);
});

test('a failure is kept with the last good result, and the job runs again at its next time', async (t) => {
  const { scheduler, warnings, tick } = setup(t);
  let n = 0;
  scheduler.register({
    name: 'flaky',
    everyMs: MIN,
    run: async () => {
      n += 1;
      if (n === 2) throw Object.assign(new Error('database away'), { code: 'SB_ERR_STORE_UNAVAILABLE' });
      return { n };
    },
  });
  tick(MIN);
  await settle();
  tick(MIN);
  await settle();
  let r = scheduler.report()[0]!;
  assert.deepEqual(r.lastError, { message: 'database away', code: 'SB_ERR_STORE_UNAVAILABLE' });
  assert.deepEqual(r.lastResult, { n: 1 }, 'the last good result stays');
  assert.equal(r.runs, 2);
  assert.equal(r.failures, 1);
  assert.deepEqual(warnings, ['cleanup job failed; it runs again at its next time']);
  tick(MIN);
  await settle();
  r = scheduler.report()[0]!;
  assert.equal(r.lastError, null);
  assert.deepEqual(r.lastResult, { n: 3 });
});

test('a slow run is never overlapped', async (t) => {
  const { scheduler, tick } = setup(t);
  const job = manualJob();
  scheduler.register({ name: 'slow', everyMs: MIN, run: job.run });
  tick(MIN);
  tick(5 * MIN);
  assert.equal(job.runs.length, 1, 'no second run while the first is under way');
  job.runs[0]!.resolve('ok');
  await settle();
  tick(MIN - 1);
  assert.equal(job.runs.length, 1);
  tick(1);
  assert.equal(job.runs.length, 2, 'the next run one interval after the end of the slow one');
  job.runs[1]!.resolve('ok');
});

test('runNow runs at once and joins a run in progress', async (t) => {
  const { scheduler } = setup(t);
  const job = manualJob();
  scheduler.register({ name: 'now', everyMs: 10 * MIN, run: job.run });
  const first = scheduler.runNow('now');
  const second = scheduler.runNow('now');
  assert.equal(job.runs.length, 1);
  job.runs[0]!.resolve('done');
  await Promise.all([first, second]);
  assert.equal(scheduler.report()[0]!.lastResult, 'done');
  await assert.rejects(scheduler.runNow('missing'), /no cleanup job named missing/);
});

test('stop waits for the run in progress and ends the schedule', async (t) => {
  const { scheduler, tick } = setup(t);
  const job = manualJob();
  scheduler.register({ name: 'a', everyMs: MIN, run: job.run });
  scheduler.register({ name: 'b', everyMs: 2 * MIN, run: () => 'b' });
  tick(MIN);
  let stopped = false;
  const stopping = scheduler.stop().then(() => (stopped = true));
  await settle();
  assert.equal(stopped, false, 'stop waits for the run of a');
  job.runs[0]!.resolve('a');
  await stopping;
  tick(60 * MIN);
  assert.equal(job.runs.length, 1, 'no run after stop');
  assert.deepEqual(scheduler.report().map((r) => [r.name, r.runs, r.nextRunAt]), [['a', 1, null], ['b', 0, null]]);
  assert.throws(() => scheduler.register({ name: 'c', everyMs: MIN, run: () => {} }), /after the scheduler stopped/);
});

test('bad jobs are refused by name', (t) => {
  const { scheduler } = setup(t);
  scheduler.register({ name: 'x', everyMs: MIN, run: () => {} });
  assert.throws(() => scheduler.register({ name: 'x', everyMs: MIN, run: () => {} }), /already registered/);
  assert.throws(() => scheduler.register({ name: 'y', everyMs: 0, run: () => {} }), /job.everyMs of y must be a positive whole number/);
  assert.throws(() => scheduler.register({ name: '', everyMs: MIN, run: () => {} }), /job.name/);
});
