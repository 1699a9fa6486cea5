// Security headers on every answer: each route kind, each status the stack produces (file bodies, 404, 405, 413,
// 429, 431, 500, 503), and HSTS only for an https base URL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpServer, textResponse, type HttpServer, type Route } from '../src/http/index.ts';
import { createSecurityPolicy, FILE_CSP, PAGE_CSP, securityHeaders, type SecurityPolicy } from '../src/security/index.ts';
import type { BlockStream, FileInfo, FileSource } from '../src/streaming/types.ts';
import { request, type Reply } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const memory = new MemorySource([{ id: 'abc', data: patternBytes(1000), mimeType: 'video/mp4' }]);
// 'hang' is a file whose bytes never come, so its response ends in the server's own 503.
const source: FileSource = {
  stat: async (id) => (id === 'hang' ? { id, size: 10, mimeType: 'video/mp4', fileName: 'hang.mp4', etag: '"hang"' } : memory.stat(id)),
  open: (info: FileInfo, start, end): BlockStream => (info.id === 'hang' ? { next: () => new Promise(() => {}), close: () => {} } : memory.open(info, start, end)),
};

const routes: Route[] = [
  { name: 'test.page', kind: 'page', pattern: '/page', methods: ['get'], handle: () => ({ status: 200, headers: [['Content-Type', 'text/html; charset=utf-8']], body: '<!doctype html><p>hi' }) },
  { name: 'test.api', kind: 'api', pattern: '/api/echo', methods: ['get', 'post'], maxBodyBytes: 10, handle: () => textResponse(200, 'ok') },
  { name: 'test.fail', kind: 'api', pattern: '/api/fail', methods: ['get'], handle: () => { throw new Error('ENOENT: no such file, open /srv/streambot/secret.db'); } },
  { name: 'test.asset', kind: 'asset', pattern: '/assets/app.js', methods: ['get'], handle: () => ({ status: 200, headers: [['Content-Type', 'text/javascript']], body: '1' }) },
];

let server: HttpServer;
let policy: SecurityPolicy;
const log = recordingLogger();

before(async () => {
  policy = createSecurityPolicy({
    baseUrl: 'https://files.example',
    corsAllowedOrigins: [],
    trustedProxies: ['127.0.0.1'],
    requestsPerMinutePerIp: 3,
    streamsPerUser: 0,
    streamsPerLink: 0,
    logger: log.logger,
  });
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, headersTimeoutMs: 500, logger: log.logger, routes, policy });
});

after(async () => {
  await server.close();
  policy.close();
  assert.equal(memory.openNow, 0);
});

let nextClient = 1;
/** Each call comes from its own client address (X-Forwarded-For from the trusted loopback peer), so the per-address
 *  rate limit on file routes only refuses where a test means it to. */
const fresh = () => ({ 'x-forwarded-for': `192.0.2.${nextClient++}` });

function assertSecure(r: Reply, what: string, kind: 'file' | 'page' | 'other' = 'other'): void {
  assert.equal(String(r.headers['x-content-type-options']).split(',')[0]?.trim(), 'nosniff', `${what}: nosniff`);
  assert.equal(r.headers['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
  assert.equal(r.headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  const csp = String(r.headers['content-security-policy']);
  assert.match(csp, /frame-ancestors 'none'/, `${what}: CSP frame-ancestors`);
  if (kind === 'page') assert.equal(csp, PAGE_CSP, `${what}: page CSP`);
  if (kind === 'file') assert.equal(csp, FILE_CSP, `${what}: file CSP`);
  assert.equal(r.headers['cross-origin-resource-policy'], kind === 'file' ? 'cross-origin' : 'same-origin', `${what}: CORP`);
  assert.equal(r.headers['strict-transport-security'], 'max-age=31536000', `${what}: HSTS`);
}

test('file bodies (200, 206, HEAD) carry the headers, and stay embeddable cross-origin', async () => {
  const full = await request(server.port, '/stream/abc', { headers: fresh() });
  assert.equal(full.status, 200);
  assert.equal(full.body.length, 1000);
  assertSecure(full, 'GET /stream/abc', 'file');
  const part = await request(server.port, '/dl/abc/a.mp4', { headers: { ...fresh(), range: 'bytes=0-9' } });
  assert.equal(part.status, 206);
  assertSecure(part, 'ranged /dl', 'file');
  const head = await request(server.port, '/stream/abc', { method: 'HEAD', headers: fresh() });
  assert.equal(head.status, 200);
  assertSecure(head, 'HEAD /stream/abc', 'file');
});

test('pages get the strict CSP; the API, assets and probes the framing rules', async () => {
  assertSecure(await request(server.port, '/page'), 'page', 'page');
  assertSecure(await request(server.port, '/api/echo'), 'api');
  assertSecure(await request(server.port, '/assets/app.js'), 'asset');
  assertSecure(await request(server.port, '/healthz'), 'probe');
});

test('error answers carry the headers: 404, 405, 413, 431, 500', async () => {
  const missing = await request(server.port, '/dl/nope', { headers: fresh() });
  assert.equal(missing.status, 404);
  assertSecure(missing, '404 file', 'file');

  const wrongMethod = await request(server.port, '/api/echo', { method: 'DELETE' });
  assert.equal(wrongMethod.status, 405);
  assertSecure(wrongMethod, '405');
  const wrongOnFile = await request(server.port, '/dl/abc', { method: 'PUT', headers: fresh() });
  assert.equal(wrongOnFile.status, 405);
  assertSecure(wrongOnFile, '405 file', 'file');

  const big = await request(server.port, '/api/echo', { method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': '11' } });
  assert.equal(big.status, 413);
  assertSecure(big, '413');

  const fat = await request(server.port, '/api/echo', { headers: { 'x-padding': 'a'.repeat(9000) } });
  assert.equal(fat.status, 431);
  assertSecure(fat, '431');

  const failed = await request(server.port, '/api/fail');
  assert.equal(failed.status, 500);
  assert.equal(failed.body.toString(), 'internal error\n', 'no message, stack or path reaches the client');
  assertSecure(failed, '500');
});

test('429 from the rate limit and 503 from a stalled file carry the headers', async () => {
  const client = fresh();
  for (let i = 0; i < 3; i++) assert.equal((await request(server.port, '/dl/abc', { headers: client })).status, 200);
  const limited = await request(server.port, '/dl/abc', { headers: client });
  assert.equal(limited.status, 429);
  assertSecure(limited, '429', 'file');

  const stalled = await request(server.port, '/stream/hang', { headers: fresh() });
  assert.equal(stalled.status, 503);
  assert.ok(stalled.headers['retry-after']);
  assertSecure(stalled, '503', 'file');
});

test('HSTS only when the base URL is https', () => {
  const names = (h: ReturnType<typeof securityHeaders>) => h.map(([n]) => n.toLowerCase());
  assert.ok(names(securityHeaders('api', true)).includes('strict-transport-security'));
  assert.ok(!names(securityHeaders('api', false)).includes('strict-transport-security'));
  assert.ok(!names(securityHeaders('file', false)).includes('strict-transport-security'));
});
