// Requests per client address per minute on /dl and /stream: 429 with Retry-After over the limit, a new window
// lets the client in again, other route kinds are not counted, IPv6 clients count per /64, and with a store the
// count is shared by instances using the same database.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { createHttpServer, textResponse, type HttpServer, type Route } from '../src/http/index.ts';
import { createSecurityPolicy, rateKey, type SecurityOptions } from '../src/security/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const T0 = 60_000 * 20_000_000; // the start of a minute window (windows start at multiples of 60 s)
const routes: Route[] = [{ name: 'test.api', kind: 'api', pattern: '/api/ping', methods: ['get'], handle: () => textResponse(200, 'pong') }];
const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

async function serve(o: Partial<SecurityOptions>, source = new MemorySource([{ id: 'abc', data: patternBytes(50) }])) {
  const log = recordingLogger();
  const policy = createSecurityPolicy({
    baseUrl: 'http://127.0.0.1',
    corsAllowedOrigins: ['https://player.example'],
    trustedProxies: ['loopback'],
    requestsPerMinutePerIp: 3,
    streamsPerUser: 0,
    streamsPerLink: 0,
    logger: log.logger,
    ...o,
  });
  const server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: log.logger, routes, policy });
  return { server, policy, source, records: log.records, close: async () => { await server.close(); policy.close(); } };
}

const statuses = async (server: HttpServer, path: string, ip: string, n: number) => {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await request(server.port, path, from(ip))).status);
  return out;
};

test('over the limit a client gets 429 with Retry-After until the next window; others are unaffected', async () => {
  let now = T0 + 15_000;
  const s = await serve({ now: () => now });
  try {
    assert.deepEqual(await statuses(s.server, '/dl/abc', '198.51.100.1', 3), [200, 200, 200]);
    const over = await request(s.server.port, '/stream/abc', from('198.51.100.1'));
    assert.equal(over.status, 429);
    assert.equal(over.headers['retry-after'], '45');
    assert.match(over.body.toString(), /^too many requests from your address, retry in 45 s\n$/);
    assert.equal((await request(s.server.port, '/dl/abc', { ...from('198.51.100.1'), method: 'HEAD' })).status, 429, 'HEAD counts too');
    assert.equal((await request(s.server.port, '/dl/abc', from('198.51.100.2'))).status, 200, 'another address has its own count');
    assert.equal(s.source.counters.statCalls, 4, 'a refused request never reaches the source');
    now += 45_000;
    assert.equal((await request(s.server.port, '/dl/abc', from('198.51.100.1'))).status, 200, 'a new window');
  } finally {
    await s.close();
  }
});

test('only file routes count; preflights and 0 (off) never refuse', async () => {
  const s = await serve({ now: () => T0 });
  try {
    assert.deepEqual(await statuses(s.server, '/api/ping', '198.51.100.3', 6), [200, 200, 200, 200, 200, 200]);
    assert.deepEqual(await statuses(s.server, '/healthz', '198.51.100.3', 5), [200, 200, 200, 200, 200]);
    for (let i = 0; i < 5; i++) {
      const p = await request(s.server.port, '/dl/abc', { method: 'OPTIONS', headers: { 'x-forwarded-for': '198.51.100.3', origin: 'https://player.example', 'access-control-request-method': 'GET' } });
      assert.equal(p.status, 204);
    }
    assert.deepEqual(await statuses(s.server, '/dl/abc', '198.51.100.3', 4), [200, 200, 200, 429]);
  } finally {
    await s.close();
  }
  const off = await serve({ requestsPerMinutePerIp: 0 });
  try {
    assert.deepEqual(await statuses(off.server, '/dl/abc', '198.51.100.4', 10), Array(10).fill(200));
  } finally {
    await off.close();
  }
});

test('IPv6 clients count per /64', async () => {
  assert.equal(rateKey('2001:db8:1:2::1'), rateKey('2001:db8:1:2:ffff:ffff:ffff:ffff'));
  assert.equal(rateKey('2001:0db8:0001:0002::9'), rateKey('2001:db8:1:2::1'));
  assert.notEqual(rateKey('2001:db8:1:2::1'), rateKey('2001:db8:1:3::1'));
  assert.notEqual(rateKey('198.51.100.1'), rateKey('198.51.100.2'));
  const s = await serve({ now: () => T0 });
  try {
    const hosts = ['2001:db8:1:2::a', '2001:db8:1:2::b', '2001:db8:1:2:1:2:3:4', '2001:db8:1:2::c'];
    const got: number[] = [];
    for (const ip of hosts) got.push((await request(s.server.port, '/dl/abc', from(ip))).status);
    assert.deepEqual(got, [200, 200, 200, 429]);
    assert.equal((await request(s.server.port, '/dl/abc', from('2001:db8:1:3::a'))).status, 200);
  } finally {
    await s.close();
  }
});

test('with a store the limit is shared by instances using the same database', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streambot-security-'));
  const now = () => T0 + 5_000;
  const stores: Store[] = [];
  try {
    for (let i = 0; i < 2; i++) stores.push(await openStore({ dataDir, now, logger: pino({ level: 'silent' }) }));
    const a = await serve({ store: stores[0], now });
    const b = await serve({ store: stores[1], now });
    const ask = async (s: typeof a) => {
      const r = await request(s.server.port, '/dl/abc', from('198.51.100.5'));
      await s.policy.flush();
      return r;
    };
    try {
      assert.deepEqual([(await ask(a)).status, (await ask(a)).status], [200, 200]);
      assert.equal((await ask(b)).status, 200, 'the third request of the window, on the other instance');
      const over = await ask(b);
      assert.equal(over.status, 429, 'B counted 1 itself, but the store said the address is at the shared limit');
      assert.equal(over.headers['retry-after'], '55');
      // A last heard a count of 2: it lets one more through, learns the window is used up, and refuses from then on.
      assert.deepEqual([(await ask(a)).status, (await ask(a)).status], [200, 429]);
      const row = await stores[0]!.hitWindow(rateKey('198.51.100.5'), 60_000, 3);
      assert.equal(row.count, 7, 'every request was counted in the shared window, refused ones included');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a store that fails leaves the count to this process and says so once per window', async () => {
  const failing = { hitWindow: () => Promise.reject(new Error('database gone')) } as unknown as Store;
  const s = await serve({ store: failing, requestsPerMinutePerIp: 2, now: () => T0 });
  try {
    assert.deepEqual(await statuses(s.server, '/dl/abc', '198.51.100.6', 3), [200, 200, 429]);
    await s.policy.flush();
    assert.equal(s.records.filter((r) => r.level === 'warn' && r.msg.includes('counting in this process only')).length, 1);
  } finally {
    await s.close();
  }
});
