// Each API endpoint's answer and its refusals of bad input, through a real server and an in-memory SQLite store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SessionSnapshot } from '../actors/supervisor/snapshot.ts';
import { apiRoutes, type ApiDeps } from '../src/api/index.ts';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { openStore, type FileRecord, type Store } from '../src/store/index.ts';
import { recordingLogger, type LogRecord } from './support/http-logger.ts';
import { MemorySource } from './support/http-memory-source.ts';

const TOKEN = 'k3y-for-the-api_0123456789';
const NOW = Date.UTC(2031, 4, 17, 12, 0, 0);
const GIB = 1024 ** 3;

interface Api {
  store: Store;
  records: LogRecord[];
  call(method: string, path: string, init?: { body?: string; headers?: Record<string, string>; token?: string | null }): Promise<{ status: number; headers: Headers; text: string; json: any }>;
  close(): Promise<void>;
}

async function startApi(over: Partial<ApiDeps> = {}, store?: Store): Promise<Api> {
  // Each store reading of the clock is a second later, so files uploaded one after another sort apart.
  let clock = NOW - 3_600_000;
  const s = store ?? (await openStore({ dataDir: ':memory:', sweepIntervalMs: 0, now: () => (clock += 1000) }));
  const { logger, records } = recordingLogger();
  const deps: ApiDeps = {
    store: s, logger, baseUrl: 'https://dl.example.org/base', apiToken: TOKEN, allowedIps: null,
    bot: () => ({ id: '7000', username: 'stream_bot' }), sessions: () => [], activeStreams: () => 0, startedAt: NOW - 1000, now: () => NOW,
    ...over,
  };
  const server: HttpServer = await createHttpServer({ source: new MemorySource(), host: '127.0.0.1', port: 0, logger, routes: apiRoutes(deps) });
  return {
    store: s,
    records,
    async call(method, path, init = {}) {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token !== null) headers.authorization = `Bearer ${init.token ?? TOKEN}`;
      if (init.body !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method, headers, body: init.body });
      const text = await res.text();
      let json: unknown = null;
      if (text && /^application\/json/.test(res.headers.get('content-type') ?? '')) json = JSON.parse(text);
      return { status: res.status, headers: res.headers, text, json };
    },
    async close() {
      await server.close();
      await s.close();
    },
  };
}

function assertError(r: { status: number; headers: Headers; json: any }, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.json.error.code, code);
  assert.equal(typeof r.json.error.message, 'string');
  if (message) assert.match(r.json.error.message, message);
}

const newFile = (messageId: number, userId: number, extra: Partial<FileRecord> = {}) => ({
  messageId, userId, fileName: `clip ${messageId}.mp4`, fileSize: 1000 + messageId, fileType: 'video', mimeType: 'video/mp4', isVideo: true, ...extra,
});

let sessionList: SessionSnapshot[] = [];
let streams = 0;
let renewed: FileRecord | null = null;
let api: Api;
let files: FileRecord[] = [];

before(async () => {
  api = await startApi({
    sessions: () => sessionList,
    activeStreams: () => streams,
    renewFile: async (id) => (renewed && id === files[0]!.id ? renewed : null),
    features: { forceSubscribe: true, bandwidthLimitBytes: 100 * GIB, maxLinksPerDay: 5, videoPlayer: true },
  });
  await api.store.upsertUser({ userId: 42, username: 'alice', firstName: 'Alice' });
  await api.store.upsertUser({ userId: 43, username: 'bob' });
  await api.store.upsertUser({ userId: 44 });
  await api.store.setBanned(44, true);
  files = [];
  for (let i = 1; i <= 5; i++) files.push(await api.store.registerFile({ ...newFile(i, 42), title: i === 1 ? 'A caption' : null }));
  api.store.recordBytes(42, 3 * GIB);
});
after(() => api.close());

test('GET /api/info: status, bot, features, bandwidth this month, streaming and uptime, and no secret', async () => {
  sessionList = [
    { index: 0, state: 'ready', inFlight: 0, abandoned: 0, linksDown: [], lastProgressAt: 0, completed: 0, restarts: 0 },
    { index: 1, state: 'flood-wait', floodUntil: NOW + 5000, inFlight: 0, abandoned: 0, linksDown: [], lastProgressAt: 0, completed: 0, restarts: 0 },
  ];
  streams = 3;
  const far = await startApi({ startedAt: NOW - ((2 * 24 + 14) * 3600 + 32 * 60 + 18) * 1000 });
  try {
    assert.equal((await far.call('GET', '/api/info', { token: null })).json.uptime, '2d 14h 32m 18s');
  } finally {
    await far.close();
  }
  const r = await api.call('GET', '/api/info', { token: null });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  const body = r.json;
  assert.equal(body.status, 'ok');
  assert.equal(body.bot_status, 'connected');
  assert.deepEqual(body.bot_info, { id: '7000', username: 'stream_bot', mention: '@stream_bot' });
  assert.equal(body.features.force_subscribe, true);
  assert.equal(body.features.link_expiry_enabled, false);
  assert.equal(body.features.max_links_per_day, 5);
  assert.equal(body.features.video_player, true);
  assert.equal(body.bandwidth_info.limit_enabled, true);
  assert.equal(body.bandwidth_info.limit_gb, 100);
  assert.equal(body.bandwidth_info.used_bytes, 3 * GIB);
  assert.equal(body.bandwidth_info.used_gb, 3);
  assert.equal(body.bandwidth_info.remaining_gb, 97);
  assert.match(body.bandwidth_info.month, /^\d{4}-\d{2}$/);
  assert.deepEqual(body.streaming, { active_streams: 3, sessions_total: 2, sessions_ready: 1 });
  assert.equal(body.uptime, '1s');
  assert.equal(body.uptime_seconds, 1);
  assert.equal(body.server_time_utc, new Date(NOW).toISOString());
  assert.equal(body.totaluser, 3);
  assert.ok(!r.text.includes(TOKEN), 'the token is not in the public page');
  for (const f of files) assert.ok(!r.text.includes(f.secret));
});

test('GET /api/info while the bot is away is 503 with status error; with the store down the page still answers', async () => {
  const away = await startApi({ bot: () => null });
  try {
    const r = await away.call('GET', '/api/info', { token: null });
    assert.equal(r.status, 503);
    assert.equal(r.json.status, 'error');
    assert.equal(r.json.bot_status, 'disconnected');
    assert.equal(r.json.bot_info, null);
    assert.match(r.json.message, /not connected/);
  } finally {
    await away.close();
  }
  const store = await openStore({ dataDir: ':memory:', sweepIntervalMs: 0 });
  await store.close();
  const down = await startApi({}, store);
  try {
    const r = await down.call('GET', '/api/info', { token: null });
    assert.equal(r.status, 200);
    assert.equal(r.json.totaluser, null);
    assert.equal(r.json.bandwidth_info.limit_enabled, false);
    assert.match(r.json.bandwidth_info.error, /not available/);
    assertError(await down.call('GET', '/api/stats'), 503, 'SB_API_STORE_UNAVAILABLE', /try again/);
    assert.equal((await down.call('GET', '/api/stats')).headers.get('retry-after'), '5');
  } finally {
    await down.close();
  }
});

test('GET /api/stats: users, banned, files, bandwidth this month, active streams, sessions', async () => {
  sessionList = [
    { index: 0, state: 'ready', inFlight: 1, abandoned: 0, linksDown: [], lastProgressAt: NOW, completed: 9, restarts: 0 },
    { index: 1, state: 'failed', retryAt: NOW + 60_000, inFlight: 0, abandoned: 0, linksDown: [], lastProgressAt: 0, completed: 0, restarts: 3 },
  ];
  streams = 2;
  const r = await api.call('GET', '/api/stats');
  assert.equal(r.status, 200);
  assert.equal(r.json.users, 3);
  assert.equal(r.json.banned_users, 1);
  assert.equal(r.json.unreachable_users, 0);
  assert.equal(r.json.files, 5);
  assert.equal(r.json.bandwidth_this_month.bytes, 3 * GIB);
  assert.equal(r.json.bandwidth_this_month.limit_bytes, 100 * GIB);
  assert.equal(r.json.active_streams, 2);
  assert.deepEqual(r.json.sessions, { total: 2, ready: 1, by_state: { starting: 0, ready: 1, 'flood-wait': 0, restarting: 0, failed: 1, stopped: 0 } });
  assert.deepEqual(r.json.store, { backend: 'sqlite', degraded: false });
});

test('GET /api/files pages through a user\'s files, newest first, with links and without secrets', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await api.call('GET', `/api/files?user=42&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200);
    assert.ok(r.json.files.length <= 2);
    for (const f of r.json.files) {
      seen.push(f.id);
      assert.equal(f.secret, undefined);
      assert.equal(f.user_id, 42);
    }
    cursor = r.json.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  assert.deepEqual(seen, files.map((f) => f.id).reverse());
  assert.equal(pages, 3);
  const one = (await api.call('GET', '/api/files?user=42&limit=100')).json.files.find((f: { id: string }) => f.id === files[0]!.id);
  assert.equal(one.title, 'A caption');
  assert.equal(one.links.download, `https://dl.example.org/base/dl/${files[0]!.id}/clip%201.mp4`);
  assert.equal(one.links.stream, `https://dl.example.org/base/stream/${files[0]!.id}/clip%201.mp4`);
  assert.equal(one.links.watch, `https://dl.example.org/base/watch/${files[0]!.id}/clip%201.mp4`);
  const defaults = await api.call('GET', '/api/files?user=42&cursor=');
  assert.equal(defaults.json.files.length, 5);
  assert.equal(defaults.json.next_cursor, null);
  assert.deepEqual((await api.call('GET', '/api/files?user=43')).json, { files: [], next_cursor: null });
});

test('GET /api/files refuses a missing or bad user, limit, cursor and unknown parameters', async () => {
  assertError(await api.call('GET', '/api/files'), 400, 'SB_API_INVALID_PARAMETER', /user is required/);
  for (const user of ['0', '-1', 'abc', '1.5', '12345678901234567', '']) {
    assertError(await api.call('GET', `/api/files?user=${user}`), 400, 'SB_API_INVALID_PARAMETER', /user must be a Telegram user id/);
  }
  for (const limit of ['0', '101', '-1', 'x', '1.5', '1000']) {
    assertError(await api.call('GET', `/api/files?user=42&limit=${limit}`), 400, 'SB_API_INVALID_PARAMETER', /limit must be an integer from 1 to 100/);
  }
  assertError(await api.call('GET', '/api/files?user=42&cursor=%27%3B--'), 400, 'SB_API_INVALID_CURSOR', /next_cursor/);
  assertError(await api.call('GET', `/api/files?user=42&cursor=${'A'.repeat(41)}`), 400, 'SB_API_INVALID_CURSOR');
  assertError(await api.call('GET', '/api/files?user=42&cursor=QUJDRA'), 400, 'SB_API_INVALID_CURSOR', /first page/);
  assertError(await api.call('GET', '/api/files?user=42&page=2'), 400, 'SB_API_INVALID_PARAMETER', /unknown query parameter "page"/);
  assertError(await api.call('GET', '/api/files?user=42&user=43'), 400, 'SB_API_INVALID_PARAMETER', /more than once/);
});

test('GET /api/files/:id: metadata with links; HEAD too; a bad id is 400, an unknown one 404', async () => {
  const f = files[1]!;
  const r = await api.call('GET', `/api/files/${f.id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(Object.keys(r.json).sort(), ['download_count', 'expired', 'expires_at', 'file_name', 'file_size', 'file_type', 'id', 'is_video', 'links', 'message_id', 'mime_type', 'revoked', 'stream_count', 'title', 'upload_date', 'user_id']);
  assert.equal(r.json.file_name, 'clip 2.mp4');
  assert.equal(r.json.file_size, 1002);
  assert.equal(r.json.message_id, 2);
  assert.equal(r.json.revoked, false);
  assert.equal(r.json.expires_at, null);
  assert.equal(r.json.expired, false);
  assert.equal(r.json.upload_date, f.uploadDate.toISOString());
  assert.ok(!r.text.includes(f.secret));
  const head = await api.call('HEAD', `/api/files/${f.id}`);
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  for (const bad of ['short', 'AAAAAAAAAAAAA', 'AAAAAA%2FAAAAA', 'AAAAAA.AAAAA']) {
    assertError(await api.call('GET', `/api/files/${bad}`), 400, 'SB_API_INVALID_PARAMETER', /file id must be 12 characters/);
  }
  assertError(await api.call('GET', '/api/files/ZZZZZZZZZZZZ'), 404, 'SB_API_NOT_FOUND', /ZZZZZZZZZZZZ/);
});

test('DELETE /api/files/:id revokes the file; unknown and bad ids are refused', async () => {
  const f = files[2]!;
  const r = await api.call('DELETE', `/api/files/${f.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.id, f.id);
  assert.equal(r.json.revoked, true);
  assert.equal((await api.store.getFile(f.id))?.revoked, true);
  assert.equal((await api.call('GET', `/api/files/${f.id}`)).json.revoked, true);
  assert.equal((await api.call('DELETE', `/api/files/${f.id}`)).status, 200, 'revoking twice is harmless');
  assertError(await api.call('DELETE', '/api/files/ZZZZZZZZZZZZ'), 404, 'SB_API_NOT_FOUND');
  assertError(await api.call('DELETE', '/api/files/bad'), 400, 'SB_API_INVALID_PARAMETER');
  assert.ok(api.records.some((x) => x.msg === 'file revoked through the API' && x.obj.file === f.id));
});

test('POST /api/files/:id/renew: the file under a new id; 404 when unknown; 501 when the server cannot renew', async () => {
  const old = files[0]!;
  renewed = { ...old, id: 'NEWid_-12345', revoked: false };
  const r = await api.call('POST', `/api/files/${old.id}/renew`);
  assert.equal(r.status, 200);
  assert.equal(r.json.previous_id, old.id);
  assert.equal(r.json.id, 'NEWid_-12345');
  assert.match(r.json.links.download, /\/dl\/NEWid_-12345\//);
  assert.ok(!r.text.includes(old.secret));
  assertError(await api.call('POST', '/api/files/ZZZZZZZZZZZZ/renew'), 404, 'SB_API_NOT_FOUND');
  assertError(await api.call('POST', '/api/files/bad/renew'), 400, 'SB_API_INVALID_PARAMETER');
  const without = await startApi();
  try {
    assertError(await without.call('POST', `/api/files/${old.id}/renew`), 501, 'SB_API_NOT_IMPLEMENTED');
  } finally {
    await without.close();
  }
});

test('GET /api/users/:id: the user with this month\'s bandwidth; bad ids 400, unknown 404', async () => {
  const r = await api.call('GET', '/api/users/42');
  assert.equal(r.status, 200);
  assert.equal(r.json.id, 42);
  assert.equal(r.json.username, 'alice');
  assert.equal(r.json.first_name, 'Alice');
  assert.equal(r.json.banned, false);
  assert.equal(r.json.unreachable, null);
  assert.equal(r.json.files_shared, 5);
  assert.equal(r.json.bandwidth_this_month_bytes, 3 * GIB);
  assert.equal(r.json.bandwidth_used_bytes, 3 * GIB);
  assert.match(r.json.join_date, /^\d{4}-\d{2}-\d{2}T/);
  for (const bad of ['0', 'abc', '-5', '12345678901234567', '1e3']) {
    assertError(await api.call('GET', `/api/users/${bad}`), 400, 'SB_API_INVALID_PARAMETER', /user id must be a Telegram user id/);
  }
  assertError(await api.call('GET', '/api/users/999'), 404, 'SB_API_NOT_FOUND', /999/);
});

test('PATCH /api/users/:id bans and unbans', async () => {
  const ban = await api.call('PATCH', '/api/users/43', { body: '{"banned": true}' });
  assert.equal(ban.status, 200);
  assert.equal(ban.json.banned, true);
  assert.equal((await api.store.getUser(43))?.isBanned, true);
  const unban = await api.call('PATCH', '/api/users/43', { body: '{"banned": false}', headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(unban.json.banned, false);
  assert.equal((await api.store.getUser(43))?.isBanned, false);
  assertError(await api.call('PATCH', '/api/users/999', { body: '{"banned": true}' }), 404, 'SB_API_NOT_FOUND');
  assert.ok(api.records.some((x) => x.msg === 'user banned through the API' && x.obj.user === 43));
});

test('PATCH /api/users/:id refuses bad bodies, naming what to send', async () => {
  const cases: Array<[string | undefined, RegExp]> = [
    [undefined, /must be a JSON object like \{"banned": true\}/],
    ['', /must be a JSON object/],
    ['{banned: true}', /not valid JSON/],
    ['[true]', /JSON object .*got an array/],
    ['true', /JSON object .*got true/],
    ['{"banned": "yes"}', /banned must be true or false \(got "yes"\)/],
    ['{}', /banned must be true or false \(got undefined\)/],
    ['{"banned": true, "admin": true}', /unknown field "admin"/],
  ];
  for (const [body, message] of cases) {
    assertError(await api.call('PATCH', '/api/users/42', { body }), 400, 'SB_API_INVALID_BODY', message);
  }
  assertError(await api.call('PATCH', '/api/users/42', { body: 'banned=true', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'SB_API_UNSUPPORTED_MEDIA_TYPE');
  assertError(await api.call('PATCH', '/api/users/zero', { body: '{"banned": true}' }), 400, 'SB_API_INVALID_PARAMETER');
  const big = await api.call('PATCH', '/api/users/42', { body: JSON.stringify({ banned: true, pad: 'x'.repeat(2000) }) });
  assert.equal(big.status, 413, 'the mount refuses a body over the route\'s limit');
  assert.equal((await api.store.getUser(42))?.isBanned, false, 'no refused request changed the user');
});

test('GET /api/sessions: state, flood wait end, restarts and the last error\'s code only', async () => {
  sessionList = [
    { index: 0, state: 'ready', inFlight: 2, abandoned: 0, linksDown: [], lastProgressAt: NOW - 1000, completed: 40, restarts: 0, username: 'stream_bot' },
    { index: 1, state: 'flood-wait', floodUntil: NOW + 29_500, inFlight: 0, abandoned: 0, linksDown: [4], lastProgressAt: 0, completed: 3, restarts: 1, lastError: { code: 'FLOOD_WAIT', message: 'A wait of 30 seconds is required (caused by upload.GetFile)' } },
    { index: 2, state: 'restarting', retryAt: NOW + 2000, inFlight: 0, abandoned: 0, linksDown: [], lastProgressAt: 0, completed: 0, restarts: 2, lastError: { message: 'worker exited at /srv/secret/path' } },
  ];
  const r = await api.call('GET', '/api/sessions');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.summary, { total: 3, ready: 1, by_state: { starting: 0, ready: 1, 'flood-wait': 1, restarting: 1, failed: 0, stopped: 0 } });
  const [a, b, c] = r.json.sessions;
  assert.equal(a.state, 'ready');
  assert.equal(a.bot_username, 'stream_bot');
  assert.equal(a.flood_wait_until, null);
  assert.equal(a.flood_wait_seconds, 0);
  assert.equal(a.in_flight, 2);
  assert.equal(a.last_error_code, null);
  assert.equal(b.state, 'flood-wait');
  assert.equal(b.flood_wait_until, new Date(NOW + 29_500).toISOString());
  assert.equal(b.flood_wait_seconds, 30);
  assert.deepEqual(b.links_down, [4]);
  assert.equal(b.restarts, 1);
  assert.equal(b.last_error_code, 'FLOOD_WAIT');
  assert.equal(c.retry_at, new Date(NOW + 2000).toISOString());
  assert.equal(c.restarts, 2);
  assert.equal(c.last_error_code, 'UNKNOWN');
  assert.ok(!r.text.includes('/srv/secret/path'), 'error messages stay out of the answer');
});

test('a method a route does not serve is the mount\'s 405 with Allow; a failing dependency is a JSON 500, logged', async () => {
  const r = await api.call('PUT', '/api/stats');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  assert.equal((await api.call('POST', '/api/users/42', { body: '{}' })).headers.get('allow'), 'GET, PATCH, HEAD');
  const broken = await startApi({ sessions: () => { throw new Error('supervisor gone'); } });
  try {
    assertError(await broken.call('GET', '/api/sessions'), 500, 'SB_API_INTERNAL', /^internal error$/);
    assert.ok(broken.records.some((x) => x.level === 'error' && x.msg === 'API request failed' && x.obj.route === 'api.sessions'));
  } finally {
    await broken.close();
  }
});
