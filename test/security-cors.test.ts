// CORS on the API and the file routes: exact origins only, Vary: Origin, preflights answered before the route (204,
// or 403 for an origin or method not allowed), file headers exposed to players' scripts, nothing for pages.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpServer, textResponse, type HttpServer, type Route } from '../src/http/index.ts';
import { createSecurityPolicy, parseOrigins, PREFLIGHT_MAX_AGE_S, type SecurityPolicy } from '../src/security/index.ts';
import { request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const ALLOWED = 'https://player.example';
const source = new MemorySource([{ id: 'abc', data: patternBytes(100), mimeType: 'video/mp4' }]);
let apiCalls = 0;
const routes: Route[] = [
  { name: 'test.files', kind: 'api', pattern: '/api/files/:id', methods: ['get', 'delete'], handle: () => { apiCalls++; return textResponse(200, 'ok'); } },
  { name: 'test.upload', kind: 'api', pattern: '/api/files', methods: ['get', 'post'], maxBodyBytes: 100, handle: () => { apiCalls++; return textResponse(201, 'made'); } },
  { name: 'test.page', kind: 'page', pattern: '/watch/:id', methods: ['get'], handle: () => textResponse(200, 'page') },
];

let server: HttpServer;
let policy: SecurityPolicy;

before(async () => {
  const { logger } = recordingLogger();
  policy = createSecurityPolicy({
    baseUrl: 'http://127.0.0.1',
    corsAllowedOrigins: [ALLOWED, 'http://localhost:8080/'],
    trustedProxies: [],
    requestsPerMinutePerIp: 0,
    streamsPerUser: 0,
    streamsPerLink: 0,
    logger,
  });
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger, routes, policy });
});

after(async () => {
  await server.close();
  policy.close();
  assert.equal(source.openNow, 0);
});

const preflight = (path: string, origin: string, method: string) =>
  request(server.port, path, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'range' } });

test('a file range from an allowed origin is readable: origin echoed, range headers exposed, Vary: Origin', async () => {
  const r = await request(server.port, '/stream/abc', { headers: { origin: ALLOWED, range: 'bytes=0-9' } });
  assert.equal(r.status, 206);
  assert.equal(r.headers['access-control-allow-origin'], ALLOWED);
  assert.equal(r.headers['access-control-expose-headers'], 'Content-Range, Content-Length, Accept-Ranges, ETag');
  assert.match(String(r.headers.vary), /\bOrigin\b/);
  assert.equal(r.headers['access-control-allow-credentials'], undefined, 'no credentials: links and tokens, not cookies');
});

test('an origin written with a trailing slash in the list still matches what browsers send', async () => {
  const r = await request(server.port, '/dl/abc', { headers: { origin: 'http://localhost:8080' } });
  assert.equal(r.headers['access-control-allow-origin'], 'http://localhost:8080');
});

test('an origin not listed gets no CORS headers, only Vary: Origin; near misses do not match', async () => {
  for (const origin of ['https://evil.example', 'https://player.example.evil.example', 'http://player.example', 'https://player.example:8443', 'null']) {
    const r = await request(server.port, '/stream/abc', { headers: { origin } });
    assert.equal(r.status, 200, origin);
    assert.equal(r.headers['access-control-allow-origin'], undefined, origin);
    assert.equal(r.headers['access-control-expose-headers'], undefined, origin);
    assert.match(String(r.headers.vary), /\bOrigin\b/, origin);
  }
  const plain = await request(server.port, '/api/files/x');
  assert.equal(plain.headers['access-control-allow-origin'], undefined);
  assert.match(String(plain.headers.vary), /\bOrigin\b/, 'caches keep the answer without Origin apart too');
});

test('preflights from an allowed origin are answered 204 before the route, with methods, headers and max-age', async () => {
  const calls = apiCalls;
  const stats = source.counters.statCalls;
  const api = await preflight('/api/files/x', ALLOWED, 'DELETE');
  assert.equal(api.status, 204);
  assert.equal(api.headers['access-control-allow-origin'], ALLOWED);
  assert.equal(api.headers['access-control-allow-methods'], 'GET, HEAD, DELETE');
  assert.equal(api.headers['access-control-allow-headers'], 'Range, Authorization, Content-Type');
  assert.equal(api.headers['access-control-max-age'], String(PREFLIGHT_MAX_AGE_S));
  assert.equal(api.body.length, 0);

  const upload = await preflight('/api/files', ALLOWED, 'POST');
  assert.equal(upload.status, 204);
  assert.equal(upload.headers['access-control-allow-methods'], 'GET, HEAD, POST');

  const file = await preflight('/stream/abc', ALLOWED, 'GET');
  assert.equal(file.status, 204);
  assert.equal(file.headers['access-control-allow-methods'], 'GET, HEAD');
  assert.equal(file.headers['access-control-allow-origin'], ALLOWED);
  assert.equal(file.headers['access-control-expose-headers'], undefined, 'exposed headers belong to the actual response');
  assert.equal(file.headers['x-frame-options'], 'DENY', 'a preflight answer carries the security headers too');
  assert.equal(apiCalls, calls, 'a preflight never reaches the route');
  assert.equal(source.counters.statCalls, stats, 'nor the file source');
});

test('preflights from an origin not listed, or for a method not served cross-origin, get 403', async () => {
  const evil = await preflight('/api/files/x', 'https://evil.example', 'DELETE');
  assert.equal(evil.status, 403);
  assert.equal(evil.headers['access-control-allow-origin'], undefined);
  assert.equal(evil.headers['access-control-allow-methods'], undefined);

  const put = await preflight('/api/files/x', ALLOWED, 'PUT');
  assert.equal(put.status, 403);
  const deleteFile = await preflight('/dl/abc', ALLOWED, 'DELETE');
  assert.equal(deleteFile.status, 403, 'file routes are read-only cross-origin');
});

test('pages get no CORS, and an OPTIONS that is not a preflight is the route\'s 405', async () => {
  const page = await request(server.port, '/watch/abc', { headers: { origin: ALLOWED } });
  assert.equal(page.status, 200);
  assert.equal(page.headers['access-control-allow-origin'], undefined);
  assert.equal(page.headers.vary, undefined);
  assert.equal((await preflight('/watch/abc', ALLOWED, 'GET')).status, 405);

  const bare = await request(server.port, '/api/files/x', { method: 'OPTIONS', headers: { origin: ALLOWED } });
  assert.equal(bare.status, 405);
  assert.equal(bare.headers.allow, 'GET, DELETE, HEAD');
});

test('without origins configured there is no CORS at all and preflights are refused', async () => {
  const { logger } = recordingLogger();
  const none = createSecurityPolicy({ baseUrl: 'http://127.0.0.1', corsAllowedOrigins: [], trustedProxies: [], requestsPerMinutePerIp: 0, streamsPerUser: 0, streamsPerLink: 0, logger });
  const s = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger, routes, policy: none });
  try {
    const r = await request(s.port, '/stream/abc', { headers: { origin: ALLOWED } });
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    assert.equal(r.headers.vary, undefined);
    const p = await request(s.port, '/stream/abc', { method: 'OPTIONS', headers: { origin: ALLOWED, 'access-control-request-method': 'GET' } });
    assert.equal(p.status, 403);
  } finally {
    await s.close();
  }
});

test('origins are checked when the policy is made: the bad entry is named', () => {
  assert.deepEqual([...parseOrigins(['https://A.example', 'http://h:8080/', 'https://b.example:443', ' '])], ['https://a.example', 'http://h:8080', 'https://b.example']);
  for (const bad of ['*', 'a.example', 'https://a.example/path', 'ftp://a.example', 'https://u:p@a.example', 'https://a.example?x']) {
    assert.throws(() => parseOrigins([bad]), (err: Error) => err.message.includes(`"${bad}"`), bad);
  }
});
