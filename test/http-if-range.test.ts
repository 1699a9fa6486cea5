import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const data = patternBytes(5000);
const source = new MemorySource([
  { id: 'v', data, etag: '"v1"' },
  { id: 'raw', data, etag: 'not-quoted' },
]);
let server: HttpServer;

before(async () => {
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
});
after(() => server.close());

test('a matching strong ETag in If-Range keeps the Range (206)', async () => {
  const r = await request(server.port, '/dl/v', { headers: { Range: 'bytes=10-19', 'If-Range': '"v1"' } });
  assert.equal(r.status, 206);
  assert.ok(r.body.equals(data.subarray(10, 20)));
});

test('a different, weak, or date If-Range means the whole current file (200)', async () => {
  for (const ifRange of ['"v0"', 'W/"v1"', 'Wed, 21 Oct 2015 07:28:00 GMT', 'garbage']) {
    const r = await request(server.port, '/dl/v', { headers: { Range: 'bytes=10-19', 'If-Range': ifRange } });
    assert.equal(r.status, 200, ifRange);
    assert.equal(r.headers['content-range'], undefined);
    assert.ok(r.body.equals(data), ifRange);
  }
});

test('a failed If-Range also overrides an unsatisfiable Range', async () => {
  const r = await request(server.port, '/dl/v', { headers: { Range: 'bytes=9999-', 'If-Range': '"v0"' } });
  assert.equal(r.status, 200);
});

test('If-Range without Range is ignored', async () => {
  const r = await request(server.port, '/dl/v', { headers: { 'If-Range': '"v0"' } });
  assert.equal(r.status, 200);
});

test('the ETag the server sends is what If-Range must echo, even when the source gave a bare token', async () => {
  const first = await request(server.port, '/dl/raw', { headers: { Range: 'bytes=0-0' } });
  assert.equal(first.headers['etag'], '"not-quoted"');
  const again = await request(server.port, '/dl/raw', { headers: { Range: 'bytes=0-0', 'If-Range': first.headers['etag']! } });
  assert.equal(again.status, 206);
});
