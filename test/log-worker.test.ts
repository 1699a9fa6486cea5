import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createSupervisor } from '../actors/supervisor/index.ts';
import { createLogger, writeWorkerLog, isLogEvent } from '../src/log/index.ts';
import { logSink } from './support/log-sink.ts';
import { recordingLogger, waitFor } from './fixtures/fake-cluster.ts';

const ENTRY = fileURLToPath(new URL('./fixtures/log-session-worker.ts', import.meta.url));
const out = logSink();
const sup = createSupervisor({
  workerEntry: ENTRY,
  sessions: [{}, {}],
  logger: createLogger({ level: 'info', pretty: false, destination: out }).child({ component: 'supervisor' }),
});
after(() => sup.stop());

test("a worker's lines reach the main logger with its session index, redacted", async () => {
  await sup.ready();
  const fromWorkers = () => out.records().filter((r) => r.msg === 'worker up' || r.msg === 'update feed failed');
  await waitFor('both workers to log twice', () => fromWorkers().length === 4, 20_000);
  for (const index of [0, 1]) {
    const up = fromWorkers().find((r) => r.msg === 'worker up' && r.worker === index);
    assert.equal(up?.session, index, 'tagged with the sending session');
    assert.equal(up?.component, 'supervisor');
    assert.equal(up?.level, 30);
    const failed = fromWorkers().find((r) => r.msg === 'update feed failed' && r.session === index);
    assert.equal(failed?.level, 50);
    assert.equal(failed?.dcId, 2);
    assert.equal(failed?.err.code, 'AUTH_KEY_UNREGISTERED');
    assert.equal(failed?.err.message, 'login refused for [redacted]');
  }
  assert.ok(!out.lines.join('').includes('AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'));
  assert.ok(!out.lines.some((l) => l.includes('below the level')));
});

test('log events stay out of the public event stream', async () => {
  const seen: unknown[] = [];
  sup.on('event', (e) => seen.push(e.event));
  await sup.terminateSession(0);
  await waitFor('session 0 to log again after its restart', () => out.records().filter((r) => r.msg === 'worker up' && r.session === 0).length === 2, 20_000);
  assert.ok(!seen.some(isLogEvent));
});

test('a logger without child (a recorder) gets the session as a field, trace as debug and fatal as error', () => {
  const rec = recordingLogger();
  writeWorkerLog(rec, 3, { type: 'log', level: 60, msg: 'gone', fields: { a: 1 } });
  writeWorkerLog(rec, 3, { type: 'log', level: 10, msg: 'detail', fields: {} });
  assert.deepEqual(rec.lines, [
    { level: 'error', obj: { a: 1, session: 3 }, msg: 'gone' },
    { level: 'debug', obj: { session: 3 }, msg: 'detail' },
  ]);
});
