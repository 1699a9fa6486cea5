// The App's lifecycle in process: the store sweep runs as a cleanup job reported for /api/stats, and
// app.shutdown({ graceMs }) drains, cuts what outlives the grace, stops the jobs and closes everything once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';

const MiB = 1 << 20;
const h = await startHarness({ sessions: 1, env: { HTTP_IDLE_TIMEOUT_MS: '300000' } });
after(() => h.close());

/** A GET that stops reading after its first bytes; drop() closes it and tells the bytes received. */
function heldGet(port: number, path: string) {
  const socket = net.connect(port, '127.0.0.1');
  let received = 0;
  let onFirst!: () => void;
  const started = new Promise<void>((r) => (onFirst = r));
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    received += chunk.length;
    socket.pause();
    onFirst();
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
  return { started, drop: () => (socket.destroy(), received) };
}

test('the store sweep is a cleanup job every 10 minutes, with its last result in the report', async () => {
  const [sweep] = h.app.jobs.report();
  assert.equal(sweep?.name, 'store.sweepExpired');
  assert.equal(sweep?.everyMs, 600_000);
  assert.equal(sweep?.runs, 0);
  await h.app.jobs.runNow('store.sweepExpired');
  const ran = h.app.jobs.report()[0]!;
  assert.equal(ran.runs, 1);
  assert.equal(ran.lastError, null);
  assert.deepEqual(Object.keys(ran.lastResult as object).sort(), ['files', 'rateWindows', 'slidingWindows']);
  assert.equal(h.app.memory, undefined, 'no memory watch without a limit');
});

test('shutdown: drain, cut the stream that outlives the grace, close once', async () => {
  const file = h.control.postFile(h.channel.id, { fileName: 'held.bin', size: 32 * MiB });
  const stream = heldGet(h.app.http.port, `/dl/${file.messageId}`);
  await stream.started;
  assert.equal(h.app.http.stats().activeStreams, 1);

  const shutdown = h.app.shutdown({ graceMs: 200 });
  assert.equal(h.app.http.draining, true, 'drain mode from the call on');
  assert.equal(h.app.shutdown({ graceMs: 60_000 }), shutdown, 'later calls get the first one');
  const refused = await get(`${h.base}/dl/${file.messageId}`);
  assert.equal(refused.status, 503);
  assert.match(refused.body.toString(), /shutting down/);
  assert.equal((await get(`${h.base}/readyz`)).status, 503);
  assert.equal((await get(`${h.base}/healthz`)).status, 200);

  assert.deepEqual(await shutdown, { drained: false, failedSteps: [] });
  assert.equal(h.app.http.stats().activeStreams, 0, 'the held stream was cut');
  assert.ok(stream.drop() < 32 * MiB);
  assert.equal(h.app.jobs.report()[0]!.nextRunAt, null, 'the jobs stopped');
  await assert.rejects(h.app.store.countFiles(), /closed/i, 'the store is closed');
  await h.app.close();
});
