import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { headerValues, rawRequest, request, waitFor } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const MiB = 1024 * 1024;
const SIZES = [0, 1, 4095, MiB - 1, MiB, MiB + 1, 20 * MiB];
// An odd chunk size, so chunk edges never line up with range edges by accident.
const source = new MemorySource([], { chunkSize: 65_536 + 7 });
for (const size of SIZES) source.add({ id: `f${size}`, data: patternBytes(size, size + 1), mimeType: 'video/mp4', fileName: `file-${size}.mp4` });
let server: HttpServer;

before(async () => {
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
});

after(async () => {
  await server.close();
  assert.deepEqual({ ...server.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
  assert.equal(source.openNow, 0);
  assert.equal(source.counters.closeCalls, source.counters.opened);
});

test('full GET of every size is byte-exact with 200 and the entity headers', async () => {
  for (const size of SIZES) {
    const r = await request(server.port, `/dl/f${size}`);
    assert.equal(r.status, 200, `size ${size}`);
    assert.equal(r.headers['content-length'], String(size));
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['etag'], `"f${size}-${size}"`);
    assert.equal(r.headers['content-type'], 'video/mp4');
    assert.equal(r.headers['content-range'], undefined);
    assert.equal(r.headers['content-disposition'], `attachment; filename="file-${size}.mp4"; filename*=UTF-8''file-${size}.mp4`);
    assert.ok(r.body.equals(source.files.get(`f${size}`)!.data), `body of size ${size}`);
  }
});

test('/stream answers inline, and the /:filename forms serve the same bytes', async () => {
  const data = source.files.get('f4095')!.data;
  for (const [path, type] of [
    ['/stream/f4095', 'inline'],
    ['/stream/f4095/whatever%20name.mp4', 'inline'],
    ['/dl/f4095/file-4095.mp4', 'attachment'],
  ] as const) {
    const r = await request(server.port, path);
    assert.equal(r.status, 200, path);
    assert.ok(r.headers['content-disposition']!.startsWith(`${type}; `), path);
    assert.ok(r.body.equals(data), path);
  }
});

test('random single ranges are byte-exact with 206 and Content-Range', async () => {
  let seed = 42;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % Math.max(1, n);
  for (const size of SIZES.filter((s) => s > 0)) {
    const data = source.files.get(`f${size}`)!.data;
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      [`bytes=${size - 1}-`, size - 1, size - 1],
      ['bytes=-1', size - 1, size - 1],
      [`bytes=0-${size + 100}`, 0, size - 1],
    ];
    for (let i = 0; i < 6; i++) {
      const a = rnd(size);
      const b = a + rnd(Math.min(size - a, 3 * MiB));
      const n = 1 + rnd(size);
      cases.push([`bytes=${a}-${b}`, a, Math.min(b, size - 1)], [`bytes=${a}-`, a, size - 1], [`bytes=-${n}`, size - n, size - 1]);
    }
    for (const [range, start, end] of cases) {
      const r = await request(server.port, `/stream/f${size}`, { headers: { Range: range } });
      assert.equal(r.status, 206, `${range} of ${size}`);
      assert.equal(r.headers['content-range'], `bytes ${start}-${end}/${size}`);
      assert.equal(r.headers['content-length'], String(end - start + 1));
      assert.ok(r.body.equals(data.subarray(start, end + 1)), `${range} of ${size}`);
    }
  }
});

test('416 with bytes */size for unsatisfiable ranges, including any Range on an empty file', async () => {
  for (const [id, range, size] of [
    ['f4095', 'bytes=4095-', 4095],
    ['f1', 'bytes=5-9', 1],
    ['f4095', 'bytes=-0', 4095],
    ['f0', 'bytes=0-', 0],
    ['f0', 'bytes=-5', 0],
  ] as const) {
    const r = await request(server.port, `/dl/${id}`, { headers: { Range: range } });
    assert.equal(r.status, 416, `${range} on ${id}`);
    assert.equal(r.headers['content-range'], `bytes */${size}`);
    assert.equal(r.headers['accept-ranges'], 'bytes');
    assert.equal(r.headers['etag'], `"${id}-${size}"`);
    assert.equal(r.body.toString(), 'range not satisfiable\n');
  }
});

test('an invalid or non-bytes Range is ignored with a full 200', async () => {
  const data = source.files.get('f4095')!.data;
  for (const range of ['bytes=5-2', 'bytes=abc', 'items=0-1', 'bytes=1-2-3']) {
    const r = await request(server.port, '/dl/f4095', { headers: { Range: range } });
    assert.equal(r.status, 200, range);
    assert.equal(r.headers['content-range'], undefined);
    assert.ok(r.body.equals(data), range);
  }
  const empty = await request(server.port, '/dl/f0', { headers: { Range: 'bytes=x' } });
  assert.equal(empty.status, 200);
  assert.equal(empty.headers['content-length'], '0');
});

const ignoreDate = (list: Array<[string, string]>) => list.filter(([n]) => n !== 'date');

test('HEAD sends exactly the headers GET sends, and no body', async () => {
  const cases: Array<[string, string]> = [
    ['/dl/f4095', ''],
    ['/dl/f0', ''],
    ['/stream/f1048576', 'Range: bytes=100-199\r\n'],
    ['/stream/f1048576', 'Range: bytes=-10\r\n'],
    ['/dl/f4095', 'Range: bytes=9999-\r\n'],
    ['/dl/f0', 'Range: bytes=0-\r\n'],
    ['/dl/nope', ''],
    ['/stream/f4095', 'Range: bytes=0-9,100-109,200-\r\n'],
  ];
  for (const [path, extra] of cases) {
    const get = await rawRequest(server.port, `GET ${path} HTTP/1.1\r\nHost: t\r\n${extra}Connection: close\r\n\r\n`);
    const head = await rawRequest(server.port, `HEAD ${path} HTTP/1.1\r\nHost: t\r\n${extra}Connection: close\r\n\r\n`);
    // uWS appends its own Content-Length after our headers for GET; order is not meaningful, content is.
    const mask = (l: Array<[string, string]>) =>
      ignoreDate(l)
        .map(([n, v]) => `${n}: ${v.replace(/boundary=\S+/, 'boundary=*')}`)
        .sort();
    assert.equal(head.statusLine, get.statusLine, path + extra);
    assert.deepEqual(mask(head.headerList), mask(get.headerList), path + extra);
    assert.equal(head.body.length, 0, `HEAD ${path} ${extra} has no body`);
    assert.equal(String(get.body.length), headerValues(get, 'content-length')[0], `GET ${path} ${extra} body matches Content-Length`);
  }
});

test('exactly one Content-Length on the wire for every kind of response', async () => {
  for (const [method, path, extra] of [
    ['GET', '/dl/f4095', ''],
    ['GET', '/dl/f0', ''],
    ['HEAD', '/dl/f4095', ''],
    ['HEAD', '/dl/f0', ''],
    ['GET', '/dl/f4095', 'Range: bytes=1-2\r\n'],
    ['HEAD', '/dl/f4095', 'Range: bytes=1-2\r\n'],
    ['GET', '/dl/f4095', 'Range: bytes=5000-\r\n'],
    ['GET', '/dl/missing', ''],
    ['GET', '/healthz', ''],
    ['HEAD', '/healthz', ''],
  ]) {
    const r = await rawRequest(server.port, `${method} ${path} HTTP/1.1\r\nHost: t\r\n${extra}Connection: close\r\n\r\n`);
    assert.equal(headerValues(r, 'content-length').length, 1, `${method} ${path} ${extra}: ${r.raw.subarray(0, 400).toString()}`);
    assert.equal(headerValues(r, 'transfer-encoding').length, 0);
  }
});

test('HEAD answers keep a keep-alive connection usable for the next request', async () => {
  const r = await rawRequest(
    server.port,
    'HEAD /dl/f4095 HTTP/1.1\r\nHost: t\r\n\r\nGET /dl/f1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
  );
  const text = r.raw.toString('latin1');
  const second = text.indexOf('HTTP/1.1 200 OK', 10);
  assert.ok(text.startsWith('HTTP/1.1 200 OK') && second > 0, text.slice(0, 300));
  assert.ok(r.raw.subarray(r.raw.length - 1).equals(Buffer.from(source.files.get('f1')!.data)));
});

test('stats count bytes sent and return to idle after each response', async () => {
  const before = server.stats().bytesSent;
  await request(server.port, '/dl/f1048576');
  await waitFor(() => server.stats().activeStreams === 0, 'responses to finish');
  assert.equal(server.stats().bytesSent - before, MiB);
  assert.equal(server.stats().pendingWrites, 0);
  assert.equal(server.stats().timers, 0);
});
