// The web side through the whole app: link states (expired, revoked, unknown, malformed) never serve a byte, the
// security headers on every route, the API's token and address checks behind the security policy, per-link viewer
// caps with clients told apart through a trusted proxy, and /metrics moving when a file is served.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness, type Harness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';

const TOKEN = 'k3J9xQ2mR7vT1pL8sW4yZ6bN0cF5hD3aQ';
let offset = 0;
const clock = () => Date.now() + offset;
const h = await startHarness({
  sessions: 1,
  now: clock,
  env: { LINK_EXPIRY_SECONDS: '3600', API_TOKEN: TOKEN, TRUSTED_PROXIES: '127.0.0.1', MAX_STREAMS_PER_LINK: '1', RATE_LIMIT_PER_MINUTE: '0' },
});
const guarded = await startHarness({ sessions: 1, env: { API_TOKEN: TOKEN, API_ALLOWED_IPS: '10.0.0.0/8' } });
after(async () => {
  await h.close();
  await guarded.close();
});

async function storedFile(harness: Harness, name: string, size: number, expiresAt: Date | null = null) {
  const posted = harness.control.postFile(harness.channel.id, { fileName: name, size });
  const record = await harness.app.store.registerFile({ messageId: posted.messageId, userId: 4242, fileName: name, fileSize: size, fileType: 'document', mimeType: 'application/octet-stream', isVideo: false, expiresAt });
  return { record, posted };
}

test('expired, revoked, unknown and malformed links: the right status and page, for GET and HEAD, never a byte of a file', async () => {
  const expired = await storedFile(h, 'old.bin', 50_000, new Date(clock() + 1000));
  const revoked = await storedFile(h, 'gone.bin', 50_000);
  await h.app.store.revokeFile(revoked.record.id);
  offset += 5000;
  const cases = [
    { path: `/dl/${expired.record.id}/old.bin`, status: 410, text: /expired/i },
    { path: `/stream/${expired.record.id}`, status: 410, text: /expired/i },
    { path: `/dl/${revoked.record.id}/gone.bin`, status: 410, text: /revoked/i },
    { path: '/dl/AAAAAAAAAAAA/x.bin', status: 404, text: /not found/i },
    { path: '/stream/%E0%A4%A/x', status: 404, text: /not found/i },
    { path: '/dl/../../etc/passwd', status: 404, text: /not found/i },
  ];
  const fileBytes = h.control.fileBytes(expired.posted.documentId, 0, 64);
  for (const c of cases) {
    const res = await get(`${h.base}${c.path}`, { range: 'bytes=0-63' });
    assert.equal(res.status, c.status, c.path);
    assert.match(res.body.toString(), c.text, c.path);
    assert.ok(!res.body.includes(fileBytes), `${c.path} leaked file bytes`);
    assert.equal(res.headers.get('content-range'), null);
    const head = await get(`${h.base}${c.path}`, {}, 'HEAD');
    assert.equal(head.status, c.status, `HEAD ${c.path}`);
    assert.equal(head.body.length, 0);
  }
});

test('renewing an expired link through the API gives a new link that serves the same bytes', async () => {
  const { record, posted } = await storedFile(h, 'renew.bin', 40_000, new Date(clock() + 1000));
  offset += 5000;
  assert.equal((await get(`${h.base}/dl/${record.id}`)).status, 410);
  const res = await fetch(`${h.base}/api/files/${record.id}/renew`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as Record<string, any>;
  const renewed = JSON.stringify(body).match(/\/dl\/([A-Za-z0-9_-]{12})/)?.[1];
  assert.ok(renewed && renewed !== record.id, `a new id in ${JSON.stringify(body)}`);
  const bytes = await get(`${h.base}/dl/${renewed}`);
  assert.equal(bytes.status, 200);
  assert.ok(bytes.body.equals(h.control.fileBytes(posted.documentId, 0, 40_000)));
});

test('security headers on every route, whatever the status', async () => {
  const { record } = await storedFile(h, 'h.bin', 10_000);
  for (const path of [`/dl/${record.id}`, `/watch/${record.id}/h.bin`, '/api/info', '/api/stats', '/healthz', '/readyz', '/metrics', '/nowhere', '/dl/AAAAAAAAAAAA']) {
    const res = await get(`${h.base}${path}`);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    assert.ok(res.headers.get('referrer-policy'), `${path}: Referrer-Policy`);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, `${path}: CSP`);
  }
  assert.match((await get(`${h.base}/watch/${record.id}/h.bin`)).headers.get('content-security-policy') ?? '', /script-src 'self'/);
});

test('the API: no token, a wrong token, the right one; a wrong address and a spoofed X-Forwarded-For are refused', async () => {
  assert.equal((await get(`${h.base}/api/stats`)).status, 401);
  assert.equal((await get(`${h.base}/api/stats`, { authorization: 'Bearer nope' })).status, 401);
  const stats = await get(`${h.base}/api/stats`, { authorization: `Bearer ${TOKEN}` });
  assert.equal(stats.status, 200);
  assert.ok(JSON.parse(stats.body.toString()).jobs.some((j: { name: string }) => j.name === 'store.sweepExpired'), 'the housekeeping jobs are in /api/stats');
  assert.equal((await get(`${h.base}/api/info`)).status, 200);
  const wrongIp = await get(`${guarded.base}/api/stats`, { authorization: `Bearer ${TOKEN}` });
  assert.equal(wrongIp.status, 403);
  // The peer (127.0.0.1) is not a trusted proxy there: its X-Forwarded-For is ignored.
  assert.equal((await get(`${guarded.base}/api/stats`, { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '10.1.2.3' })).status, 403);
});

test('one viewer per link: a second client is refused while the first holds its place; clients told apart through a trusted proxy', async () => {
  const { record } = await storedFile(h, 'cap.bin', 30_000);
  const first = await get(`${h.base}/dl/${record.id}`, { 'x-forwarded-for': '198.51.100.7' });
  assert.equal(first.status, 200);
  const again = await get(`${h.base}/dl/${record.id}`, { 'x-forwarded-for': '198.51.100.7', range: 'bytes=100-199' });
  assert.equal(again.status, 206, 'the same viewer seeking is still one viewer');
  const second = await get(`${h.base}/dl/${record.id}`, { 'x-forwarded-for': '203.0.113.9' });
  assert.equal(second.status, 429);
  assert.ok(Number(second.headers.get('retry-after')) > 0);
});

test('/metrics moves when a file is served', async () => {
  const { record } = await storedFile(h, 'm.bin', 200_000);
  const sent = async () => Number((await get(`${h.base}/metrics`)).body.toString().match(/^streambot_http_sent_bytes_total (\d+)/m)?.[1] ?? NaN);
  const before = await sent();
  assert.equal((await get(`${h.base}/dl/${record.id}`)).status, 200);
  const deadline = Date.now() + 10_000;
  let after = await sent();
  while (after < before + 200_000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    after = await sent();
  }
  assert.ok(after >= before + 200_000, `bytes sent went from ${before} to ${after}`);
});
