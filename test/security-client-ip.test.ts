// The client's address: X-Forwarded-For believed only from trusted proxies, read from the right; address lists of
// both families with CIDR blocks, IPv4-mapped IPv6 included; bad entries named.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpServer, type Route } from '../src/http/index.ts';
import { clientIpFrom, createSecurityPolicy, ipAllowed, parseCidrList } from '../src/security/index.ts';
import { request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource } from './support/http-memory-source.ts';

test('address lists match IPv4 and IPv6 blocks, single addresses and IPv4-mapped IPv6', () => {
  const list = parseCidrList('10.0.0.0/8, 192.168.1.7 2001:db8::/32,::1');
  assert.deepEqual(list.entries, ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1']);
  for (const ip of ['10.0.0.1', '10.255.255.255', '192.168.1.7', '2001:db8::1', '2001:db8:ffff::9', '::1', '::ffff:10.1.2.3']) {
    assert.ok(ipAllowed(ip, list), ip);
  }
  for (const ip of ['11.0.0.1', '192.168.1.8', '2001:db9::1', '::2', '::ffff:11.1.2.3', 'not-an-ip', '']) {
    assert.ok(!ipAllowed(ip, list), ip);
  }
  const mapped = parseCidrList('::ffff:172.16.0.0/108');
  assert.ok(ipAllowed('172.16.5.5', mapped), 'an IPv4 client matches a block written as IPv4-mapped IPv6');
  assert.ok(!ipAllowed('10.0.0.1', parseCidrList('')), 'an empty list holds nothing');
});

test('named ranges: loopback and private', () => {
  const list = parseCidrList('loopback,private');
  for (const ip of ['127.0.0.1', '::1', '10.1.1.1', '172.20.0.2', '192.168.0.10', 'fd12::1']) assert.ok(ipAllowed(ip, list), ip);
  for (const ip of ['8.8.8.8', '172.32.0.1', '2001:db8::1']) assert.ok(!ipAllowed(ip, list), ip);
});

test('a bad entry is named in the error', () => {
  for (const [text, bad] of [['10.0.0.0/8, 10.0.0.300', '10.0.0.300'], ['10.0.0.0/33', '10.0.0.0/33'], ['fd00::/129', 'fd00::/129'], ['proxy.local', 'proxy.local'], ['10.0.0.0/', '10.0.0.0/'], ['10.0.0.0/8x', '10.0.0.0/8x']]) {
    assert.throws(() => parseCidrList(text!), (err: Error) => err.message.includes(`"${bad}"`), text);
  }
});

test('X-Forwarded-For: rightmost untrusted hop, trusted hops skipped, spoofed entries on the left ignored', () => {
  const trusted = parseCidrList('10.0.0.0/8, fd00::/8');
  // Untrusted peer: the header is the client's own claim.
  assert.equal(clientIpFrom('203.0.113.5', '1.1.1.1', trusted), '203.0.113.5');
  // One proxy: the entry it appended.
  assert.equal(clientIpFrom('10.0.0.2', '198.51.100.7', trusted), '198.51.100.7');
  // The client sent its own X-Forwarded-For; the proxy appended the real address after it.
  assert.equal(clientIpFrom('10.0.0.2', '6.6.6.6, 198.51.100.7', trusted), '198.51.100.7');
  // Two proxies in a chain: both skipped.
  assert.equal(clientIpFrom('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.9', trusted), '198.51.100.7');
  // IPv6 proxies and clients, ports and brackets, IPv4-mapped peers.
  assert.equal(clientIpFrom('fd00::2', '[2001:db8::7]:4711, fd00::3', trusted), '2001:db8::7');
  assert.equal(clientIpFrom('::ffff:10.0.0.2', '198.51.100.7:5555', trusted), '198.51.100.7');
  assert.equal(clientIpFrom('10.0.0.2', '::ffff:198.51.100.7', trusted), '198.51.100.7');
  // Everything trusted: the leftmost.
  assert.equal(clientIpFrom('10.0.0.2', '10.0.0.5, 10.0.0.9', trusted), '10.0.0.5');
  // Garbage where a proxy's entry should be: the last real address (a proxy) stands in.
  assert.equal(clientIpFrom('10.0.0.2', '198.51.100.7, unknown', trusted), '10.0.0.2');
  assert.equal(clientIpFrom('10.0.0.2', '<script>, 10.0.0.9', trusted), '10.0.0.9');
  // No header, empty header.
  assert.equal(clientIpFrom('10.0.0.2', undefined, trusted), '10.0.0.2');
  assert.equal(clientIpFrom('10.0.0.2', '', trusted), '10.0.0.2');
});

test('end to end: routes see the forwarded address only when the peer is a trusted proxy', async () => {
  const { logger } = recordingLogger();
  const seen: string[] = [];
  const routes: Route[] = [{ name: 'test.ip', kind: 'api', pattern: '/ip', methods: ['get'], handle: (req) => { seen.push(req.ip); return { status: 200, body: req.ip }; } }];
  const make = (trustedProxies: string[] | ReturnType<typeof parseCidrList>) => createSecurityPolicy({ baseUrl: 'http://127.0.0.1', corsAllowedOrigins: [], trustedProxies, requestsPerMinutePerIp: 0, streamsPerUser: 0, streamsPerLink: 0, logger });
  const behindProxy = await createHttpServer({ source: new MemorySource(), host: '127.0.0.1', port: 0, logger, routes, policy: make(['127.0.0.0/8']) });
  // Parsed lists (as configuration holds them) are taken as they are.
  const direct = await createHttpServer({ source: new MemorySource(), host: '127.0.0.1', port: 0, logger, routes, policy: make(parseCidrList('10.0.0.0/8')) });
  try {
    const xff = { 'x-forwarded-for': '6.6.6.6, 198.51.100.7' };
    assert.equal((await request(behindProxy.port, '/ip', { headers: xff })).body.toString(), '198.51.100.7');
    assert.equal((await request(behindProxy.port, '/ip')).body.toString(), '127.0.0.1');
    assert.equal((await request(direct.port, '/ip', { headers: xff })).body.toString(), '127.0.0.1', 'a spoofed header from an untrusted peer is ignored');
    assert.deepEqual(seen, ['198.51.100.7', '127.0.0.1', '127.0.0.1']);
  } finally {
    await Promise.all([behindProxy.close(), direct.close()]);
  }
});

test('the policy refuses a bad TRUSTED_PROXIES entry when made', () => {
  const { logger } = recordingLogger();
  assert.throws(
    () => createSecurityPolicy({ baseUrl: 'http://x', corsAllowedOrigins: [], trustedProxies: ['10.0.0.0/8', 'gateway'], requestsPerMinutePerIp: 0, streamsPerUser: 0, streamsPerLink: 0, logger }),
    /"gateway" is not an IP address/,
  );
});
