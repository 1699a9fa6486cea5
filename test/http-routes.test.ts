import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createHttpServer, isHttpError, RETRY_AFTER_S, type HttpServer } from '../src/http/index.ts';
import { rawRequest, request, waitFor } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const source = new MemorySource([
  { id: 'abc', data: patternBytes(100) },
  { id: 'with space/é', data: patternBytes(10, 2) },
]);
let server: HttpServer;
const extraSeen: string[] = [];

before(async () => {
  server = await createHttpServer({
    source,
    host: '127.0.0.1',
    port: 0,
    logger: recordingLogger().logger,
    extraRoutes: (app) => {
      app.get('/extra/:x', (res, req) => {
        extraSeen.push(req.getParameter(0));
        res.end('extra');
      });
    },
  });
});

after(async () => {
  await server.close();
  assert.equal(source.openNow, 0);
});

test('/healthz answers 200 ok to GET and HEAD', async () => {
  const r = await request(server.port, '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'ok');
  const h = await request(server.port, '/healthz', { method: 'HEAD' });
  assert.equal(h.status, 200);
  assert.equal(h.headers['content-length'], '2');
});

test('an unknown id is 404 with a short text body', async () => {
  for (const path of ['/dl/nope', '/stream/nope', '/dl/nope/name.mp4']) {
    const r = await request(server.port, path);
    assert.equal(r.status, 404, path);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(r.body.toString(), 'file not found\n');
  }
});

test('ids arrive URL-decoded; a malformed escape is 404, not a crash', async () => {
  const r = await request(server.port, `/dl/${encodeURIComponent('with space/é')}`);
  assert.equal(r.status, 200);
  assert.ok(r.body.equals(source.files.get('with space/é')!.data));
  assert.equal((await request(server.port, '/dl/%E0%A4%A')).status, 404);
  assert.equal((await request(server.port, '/dl/%FF')).status, 404);
});

test('other methods on file routes and /healthz get 405 with Allow', async () => {
  const { opened, statCalls } = source.counters;
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    for (const path of ['/dl/abc', '/stream/abc/x.bin', '/healthz']) {
      const r = await request(server.port, path, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers['allow'], 'GET, HEAD');
    }
  }
  assert.equal(source.counters.statCalls, statCalls, 'a 405 never asks the source');
  assert.equal(source.counters.opened, opened, 'a 405 never opens a stream');
});

test('paths outside the routes are 404', async () => {
  for (const path of ['/', '/dl', '/dl/', '/dl/abc/x/y', '/other']) {
    assert.equal((await request(server.port, path)).status, 404, path);
  }
});

test('extraRoutes can add routes', async () => {
  const r = await request(server.port, '/extra/hello');
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'extra');
  assert.deepEqual(extraSeen, ['hello']);
});

test('beyond maxStreams new file requests get 503 with Retry-After', async () => {
  const hanging = new MemorySource([{ id: 'h', data: patternBytes(1000) }], { hangAfterBytes: 0 });
  const s = await createHttpServer({ source: hanging, host: '127.0.0.1', port: 0, maxStreams: 2, logger: recordingLogger().logger });
  const sockets: net.Socket[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const sock = net.connect(s.port, '127.0.0.1');
      sock.on('error', () => {});
      sock.write('GET /dl/h HTTP/1.1\r\nHost: t\r\n\r\n');
      sockets.push(sock);
    }
    await waitFor(() => s.stats().activeStreams === 2 && hanging.openNow === 2, 'two hanging streams');
    const r = await request(s.port, '/dl/h');
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], String(RETRY_AFTER_S));
    assert.equal((await request(s.port, '/healthz')).status, 200, 'health checks are not file streams');
    for (const sock of sockets) sock.destroy();
    await waitFor(() => s.stats().activeStreams === 0, 'aborted streams to be released');
    assert.equal(hanging.openNow, 0);
    assert.equal(hanging.counters.closeCalls, 2);
    assert.equal((await request(s.port, '/dl/nothing')).status, 404, 'capacity is back');
  } finally {
    for (const sock of sockets) sock.destroy();
    await s.close();
  }
});

test('close() drops in-flight responses, closes their streams and stops listening', async () => {
  const hanging = new MemorySource([{ id: 'h', data: patternBytes(1000) }], { hangAfterBytes: 0 });
  const s = await createHttpServer({ source: hanging, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
  const pending = rawRequest(s.port, 'GET /dl/h HTTP/1.1\r\nHost: t\r\n\r\n');
  await waitFor(() => hanging.openNow === 1, 'stream opened');
  await s.close();
  const r = await pending;
  assert.equal(r.raw.length, 0, 'nothing was sent before close');
  assert.equal(hanging.openNow, 0);
  assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
  await s.close(); // idempotent
  await assert.rejects(request(s.port, '/healthz'), /ECONNREFUSED/);
});

test('options are checked with errors that name the option', async () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ port: 0 }, /options\.source/],
    [{ source, port: -1 }, /options\.port/],
    [{ source, port: 70000 }, /options\.port/],
    [{ source, port: 0, maxStreams: 0 }, /options\.maxStreams/],
    [{ source, port: 0, idleTimeoutMs: 1.5 }, /options\.idleTimeoutMs/],
    [{ source, port: 0, host: '' }, /options\.host/],
    [{ source, port: 0, extraRoutes: 'x' }, /options\.extraRoutes/],
  ];
  for (const [opts, message] of bad) {
    await assert.rejects(createHttpServer(opts as never), (err: unknown) => {
      assert.ok(isHttpError(err, 'SB_ERR_HTTP_INVALID_OPTION'), String(err));
      assert.match((err as Error).message, message);
      return true;
    });
  }
});

test('a failed listen rejects with SB_ERR_HTTP_LISTEN', async () => {
  // TEST-NET-3 is never assigned to a local interface, so binding to it fails.
  await assert.rejects(createHttpServer({ source, host: '203.0.113.7', port: 0, logger: recordingLogger().logger }), (err: unknown) => {
    assert.ok(isHttpError(err, 'SB_ERR_HTTP_LISTEN'), String(err));
    return true;
  });
});
