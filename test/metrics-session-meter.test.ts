// The worker-side meter: counts around the SessionApi and the 'metrics' reports a session worker posts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { threadId } from 'node:worker_threads';
import { SessionMeter, type SessionMetricsReport } from '../actors/session/session-metrics.ts';
import { floodWait } from '../actors/errors.ts';
import { isMetricsReport } from '../src/metrics/index.ts';

function fakeApi() {
  return {
    label: 'not a method',
    async fetchBlock(req: { limit: number }): Promise<ArrayBuffer> {
      if (req.limit < 0) throw floodWait(12);
      if (req.limit === 0) throw new Error('FILE_REFERENCE_EXPIRED');
      return new ArrayBuffer(req.limit);
    },
    async ping() { return 1; },
  };
}

test('blocks, their bytes, failures and flood waits are counted; results pass through untouched', async () => {
  const meter = new SessionMeter();
  const api = fakeApi();
  const wrapped = meter.wrap(api);
  assert.equal(wrapped.label, 'not a method');
  const block = await wrapped.fetchBlock({ limit: 1024 });
  assert.ok(block instanceof ArrayBuffer && block.byteLength === 1024);
  await wrapped.fetchBlock({ limit: 2048 });
  assert.equal(await wrapped.ping(), 1);
  await assert.rejects(wrapped.fetchBlock({ limit: 0 }), /FILE_REFERENCE_EXPIRED/);
  await assert.rejects(wrapped.fetchBlock({ limit: -1 }), (err: Error & { seconds?: number }) => err.seconds === 12);
  const report = meter.report();
  assert.deepEqual({ ...report, heapUsedBytes: 0 }, { type: 'metrics', worker: threadId, blocks: 2, blockBytes: 3072, errors: 2, floodWaits: 1, heapUsedBytes: 0 });
  assert.ok(report.heapUsedBytes > 0);
  assert.ok(isMetricsReport(report), 'the main thread accepts what the worker posts');
  assert.ok(structuredClone(report), 'a report crosses threads as it is');
});

test('start() posts a report at once and then every interval until stopped', async () => {
  const meter = new SessionMeter();
  const posted: SessionMetricsReport[] = [];
  let second!: () => void;
  const twice = new Promise<void>((resolve) => { second = resolve; });
  const stop = meter.start((r) => {
    posted.push(r);
    if (posted.length === 2) second();
  }, 5);
  assert.equal(posted.length, 1, 'the first report does not wait for the interval');
  // The meter's timer never keeps a thread alive; this test's wait must.
  const alive = setInterval(() => {}, 1000);
  await twice.finally(() => clearInterval(alive));
  stop();
  const count = posted.length;
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(posted.length, count);
  assert.throws(() => meter.start(() => {}, 0), /intervalMs must be a positive integer/);
});

test('reports with a missing or negative figure are not metrics reports', () => {
  const good = new SessionMeter().report();
  assert.equal(isMetricsReport({ ...good, blocks: -1 }), false);
  assert.equal(isMetricsReport({ ...good, errors: undefined }), false);
  assert.equal(isMetricsReport({ ...good, type: 'session' }), false);
  assert.equal(isMetricsReport(null), false);
});
