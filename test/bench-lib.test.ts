// The bench's own parts: statistics, hole finding, /proc figures and the load generator's reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { percentile, spread, linearFit, seededRandom, round } from '../bench/lib/stats.ts';
import { holes } from '../bench/lib/scenario.ts';
import { ProcessMeter, cpuSeconds, rssBytes } from '../bench/lib/proc-stats.ts';
import { read } from '../bench/loadgen/http-client.ts';

test('nearest-rank percentiles, spreads and rounding', () => {
  const xs = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(xs, 50), 50);
  assert.equal(percentile(xs, 99), 99);
  assert.equal(percentile([3, 1, 2], 100), 3);
  assert.ok(Number.isNaN(percentile([], 50)));
  assert.deepEqual(spread([]), { n: 0, p50: null, p99: null, max: null });
  assert.deepEqual(spread([10, 20]), { n: 2, p50: 10, p99: 20, max: 20 });
  assert.equal(round(Infinity), null);
  assert.equal(round(1.26, 1), 1.3);
});

test('a least-squares line gives the cost of one more session', () => {
  const fit = linearFit([1, 2, 4, 8], [150, 200, 300, 500]);
  assert.equal(round(fit.slope, 3), 50);
  assert.equal(round(fit.intercept, 3), 100);
  assert.ok(Number.isNaN(linearFit([1], [2]).slope));
});

test('the seeded random sequence repeats for a seed and stays in [0, 1)', () => {
  const a = seededRandom(7);
  const b = seededRandom(7);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test('holes names every cell that is not a finite figure', () => {
  const found = holes([{ caption: 't', columns: ['name', 'MB/s', 'ms'], rows: [['a', 1, null], ['b', NaN, 2], ['c', 3, 4]] }]);
  assert.deepEqual(found, ['t: a: no ms', 't: b: no MB/s']);
});

test('/proc figures of this process: CPU grows with work, RSS is there', () => {
  const meter = new ProcessMeter(process.pid, 10);
  const before = cpuSeconds(process.pid);
  let x = 0;
  const end = Date.now() + 300;
  while (Date.now() < end) x += Math.sqrt(x + 1);
  assert.ok(cpuSeconds(process.pid) > before);
  assert.ok(rssBytes(process.pid) > 1 << 20);
  const f = meter.stop();
  assert.ok(f.cpuSeconds > 0 && f.rssPeakMiB >= f.rssEndMiB - 1e-9 && f.rssEndMiB > 1, JSON.stringify(f));
  assert.throws(() => cpuSeconds(2 ** 22 + 12345), /ENOENT/);
});

test('the reader counts, hashes, stops after a byte count and honours a Range', async (t) => {
  const body = Buffer.alloc(3 << 20, 7);
  for (let i = 0; i < body.length; i += 4096) body[i] = i & 0xff;
  const server = createServer((req, res) => {
    const m = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const end = m && m[2] ? Number(m[2]) : body.length - 1;
    res.writeHead(m ? 206 : 200, { 'content-length': end - start + 1 });
    res.end(body.subarray(start, end + 1));
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/f`;
  const far = performance.now() + 30_000;

  const whole = await read({ url, hash: true }, far);
  assert.equal(whole.outcome, 'complete');
  assert.equal(whole.status, 200);
  assert.equal(whole.bytes, body.length);
  assert.equal(whole.sha256, createHash('sha256').update(body).digest('hex'));
  assert.ok(whole.ttfbMs !== null && whole.ttfbMs <= whole.totalMs);

  const part = await read({ url, start: 1000, end: 1999, hash: true }, far);
  assert.equal(part.status, 206);
  assert.equal(part.sha256, createHash('sha256').update(body.subarray(1000, 2000)).digest('hex'));

  const cut = await read({ url, stopAfterBytes: 100_000 }, far);
  assert.deepEqual([cut.outcome, cut.bytes], ['stopped', 100_000]);

  const late = await read({ url, start: 0, rateBytesPerSec: 64 * 1024 }, performance.now() + 300);
  assert.equal(late.outcome, 'stopped', 'a paced reader is stopped by the deadline');
  assert.ok(late.bytes < body.length, `paced: ${late.bytes} bytes`);

  const refused = await read({ url: 'http://127.0.0.1:1/' }, far);
  assert.equal(refused.outcome, 'error');
});
