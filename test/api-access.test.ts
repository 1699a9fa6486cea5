// Who may use the API: /api/info and /api/openapi.json are public; every other endpoint wants the bearer token
// (compared in constant time) and, when API_ALLOWED_IPS is set, a client address in it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiRoutes, type ApiDeps } from '../src/api/index.ts';
import { parseCidrList } from '../src/security/index.ts';
import { bearerToken, tokenMatches } from '../src/api/access.ts';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { recordingLogger, type LogRecord } from './support/http-logger.ts';
import { MemorySource } from './support/http-memory-source.ts';

const TOKEN = 'k3y-for-the-api_0123456789';

interface Api {
  store: Store;
  records: LogRecord[];
  call(method: string, path: string, headers?: Record<string, string>, body?: string): Promise<{ status: number; headers: Headers; json: any }>;
  close(): Promise<void>;
}

async function startApi(over: Partial<ApiDeps> = {}): Promise<Api> {
  const store = await openStore({ dataDir: ':memory:', sweepIntervalMs: 0 });
  const { logger, records } = recordingLogger();
  const deps: ApiDeps = {
    store, logger, baseUrl: 'https://dl.example.org', apiToken: TOKEN, allowedIps: null,
    bot: () => ({ id: '7000', username: 'stream_bot' }), sessions: () => [], activeStreams: () => 0, startedAt: Date.now(),
    ...over,
  };
  const server: HttpServer = await createHttpServer({ source: new MemorySource(), host: '127.0.0.1', port: 0, logger, routes: apiRoutes(deps) });
  return {
    store,
    records,
    async call(method, path, headers = {}, body) {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : null };
    },
    async close() {
      await server.close();
      await store.close();
    },
  };
}

const auth = (token = TOKEN) => ({ authorization: `Bearer ${token}` });

/** One request per protected method and path. */
const PROTECTED: Array<[string, string]> = [
  ['GET', '/api/stats'],
  ['GET', '/api/files?user=42'],
  ['GET', '/api/files/AAAAAAAAAAAA'],
  ['DELETE', '/api/files/AAAAAAAAAAAA'],
  ['POST', '/api/files/AAAAAAAAAAAA/renew'],
  ['GET', '/api/users/42'],
  ['PATCH', '/api/users/42'],
  ['GET', '/api/sessions'],
];

let api: Api;
let fileId: string;
before(async () => {
  api = await startApi();
  await api.store.upsertUser({ userId: 42, username: 'alice' });
  fileId = (await api.store.registerFile({ messageId: 1, userId: 42, fileName: 'a.mp4', fileSize: 10, fileType: 'video', mimeType: 'video/mp4', isVideo: true })).id;
});
after(() => api.close());

test('without a token every protected endpoint is 401 with a Bearer challenge, and nothing changes', async () => {
  for (const [method, path] of PROTECTED) {
    const r = await api.call(method, path.replace('AAAAAAAAAAAA', fileId), { 'content-type': 'application/json' }, method === 'PATCH' ? '{"banned":true}' : undefined);
    assert.equal(r.status, 401, `${method} ${path}`);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="streambot"', `${method} ${path}`);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(r.json.error.code, 'SB_API_UNAUTHORIZED');
    assert.match(r.json.error.message, /Authorization: Bearer/);
  }
  assert.equal((await api.store.getFile(fileId))?.revoked, false, 'DELETE without a token revoked nothing');
  assert.equal((await api.store.getUser(42))?.isBanned, false, 'PATCH without a token banned nobody');
});

test('a wrong token is 401 invalid_token, whatever its length, and is logged without the token', async () => {
  for (const wrong of [TOKEN.slice(0, -1) + 'x', 'short', `${TOKEN}${TOKEN}`, TOKEN.toUpperCase()]) {
    const r = await api.call('GET', '/api/stats', auth(wrong));
    assert.equal(r.status, 401, wrong);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="streambot", error="invalid_token"');
    assert.equal(r.json.error.code, 'SB_API_UNAUTHORIZED');
  }
  const warnings = api.records.filter((x) => x.msg === 'API request with a wrong token');
  assert.equal(warnings.length, 4);
  assert.ok(!JSON.stringify(api.records).includes('short'), 'the presented token is not logged');
});

test('other schemes and a token in the query are not accepted', async () => {
  for (const header of [`Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN, `Bearer`, `Bearer ${TOKEN} extra`, `Token ${TOKEN}`]) {
    const r = await api.call('GET', '/api/stats', { authorization: header });
    assert.equal(r.status, 401, header);
  }
  assert.equal((await api.call('GET', `/api/stats?token=${TOKEN}`)).status, 401);
});

test('the right token opens every protected endpoint; the scheme is case-insensitive', async () => {
  assert.equal((await api.call('GET', '/api/stats', auth())).status, 200);
  assert.equal((await api.call('GET', '/api/stats', { authorization: `bearer ${TOKEN}` })).status, 200);
  assert.equal((await api.call('GET', `/api/files/${fileId}`, auth())).status, 200);
  assert.equal((await api.call('GET', '/api/sessions', auth())).status, 200);
});

test('/api/info and /api/openapi.json need no token', async () => {
  assert.equal((await api.call('GET', '/api/info')).status, 200);
  assert.equal((await api.call('GET', '/api/openapi.json')).status, 200);
});

test('without API_TOKEN the protected endpoints answer 503 "API_TOKEN not set", even to a token', async () => {
  const open = await startApi({ apiToken: null });
  try {
    for (const [method, path] of PROTECTED) {
      const r = await open.call(method, path, auth());
      assert.equal(r.status, 503, `${method} ${path}`);
      assert.equal(r.json.error.code, 'SB_API_TOKEN_NOT_SET');
      assert.match(r.json.error.message, /API_TOKEN not set/);
    }
    assert.equal((await open.call('GET', '/api/info')).status, 200, 'the public status page still answers');
  } finally {
    await open.close();
  }
});

test('API_ALLOWED_IPS: an address outside it is 403 even with the token; inside it the token decides', async () => {
  const outside = await startApi({ allowedIps: parseCidrList('10.0.0.0/8, 2001:db8::/32') });
  try {
    const r = await outside.call('GET', '/api/stats', auth());
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'SB_API_FORBIDDEN_IP');
    assert.match(r.json.error.message, /127\.0\.0\.1 is not in API_ALLOWED_IPS/);
    assert.equal((await outside.call('GET', '/api/stats')).status, 403, 'refused before the token is looked at');
    assert.equal((await outside.call('GET', '/api/info')).status, 200, 'the public status page answers anyone');
    assert.ok(outside.records.some((x) => x.msg === 'API request from an address not in API_ALLOWED_IPS' && x.obj.ip === '127.0.0.1'));
  } finally {
    await outside.close();
  }
  const inside = await startApi({ allowedIps: parseCidrList('10.0.0.0/8,127.0.0.0/8') });
  try {
    assert.equal((await inside.call('GET', '/api/stats', auth())).status, 200);
    assert.equal((await inside.call('GET', '/api/stats', auth('nope'))).status, 401);
  } finally {
    await inside.close();
  }
});

test('tokenMatches compares whole tokens; bearerToken reads only the Bearer scheme', () => {
  assert.ok(tokenMatches('abc', 'abc'));
  for (const other of ['abd', 'ab', 'abcd', '', 'ABC']) assert.ok(!tokenMatches('abc', other), other);
  assert.equal(bearerToken('Bearer abc.DEF-_~+/='), 'abc.DEF-_~+/=');
  assert.equal(bearerToken('BEARER  abc'), 'abc');
  for (const h of [undefined, '', 'Bearer', 'Bearer a b', 'Basic abc', 'Bearer a"b']) assert.equal(bearerToken(h), null, String(h));
});
