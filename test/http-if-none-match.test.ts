import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { ifNoneMatchMatches } from '../src/http/headers.ts';
import { rawRequest, request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const data = patternBytes(5000);
const source = new MemorySource([{ id: 'v', data, etag: '"v1"' }]);
let server: HttpServer;

before(async () => {
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
});
after(() => server.close());

test('a current copy (matching If-None-Match) gets 304 with its validators and no body, Range or not', async () => {
  for (const [inm, range] of [['"v1"', undefined], ['W/"v1"', undefined], ['"a", "v1"', undefined], ['*', undefined], ['"v1"', 'bytes=0-9']] as const) {
    const headers: Record<string, string> = { 'If-None-Match': inm };
    if (range) headers.Range = range;
    const r = await request(server.port, '/stream/v', { headers });
    assert.equal(r.status, 304, inm);
    assert.equal(r.headers.etag, '"v1"');
    assert.equal(r.body.length, 0);
    assert.equal(r.headers['content-range'], undefined);
  }
});

test('a stale copy gets the file', async () => {
  const r = await request(server.port, '/stream/v', { headers: { 'If-None-Match': '"v0"' } });
  assert.equal(r.status, 200);
  assert.ok(r.body.equals(data));
});

test('on the wire: 304 carries no Content-Length and the keep-alive connection still serves the next request', async () => {
  // Two pipelined requests on one connection: the 304 must end cleanly for the second to be answered.
  const reply = await rawRequest(server.port, 'GET /dl/v HTTP/1.1\r\nHost: x\r\nIf-None-Match: "v1"\r\n\r\nHEAD /dl/v HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal(reply.status, 304);
  const text = reply.raw.toString('latin1');
  const first = text.slice(0, text.indexOf('\r\n\r\n'));
  assert.doesNotMatch(first, /content-length: [1-9]/i);
  assert.match(text.slice(first.length), /HTTP\/1\.1 200 OK[\s\S]*Content-Length: 5000/i);
});

test('ifNoneMatchMatches uses weak comparison', () => {
  assert.equal(ifNoneMatchMatches('W/"x"', '"x"'), true);
  assert.equal(ifNoneMatchMatches('"x"', 'W/"x"'), true);
  assert.equal(ifNoneMatchMatches('"y", "z"', '"x"'), false);
  assert.equal(ifNoneMatchMatches('', '"x"'), false);
});
