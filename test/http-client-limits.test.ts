// Per-client fairness: one address holding many streams it never reads cannot lock other addresses out.
// 127.0.0.2 is a second source address on loopback (every 127/8 address is local on Linux).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createHttpServer, RETRY_AFTER_S } from '../src/http/index.ts';
import { normaliseIp } from '../src/http/client-limits.ts';
import { parseRaw, waitFor, type RawReply } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const MiB = 1024 * 1024;

/** A GET from `localAddress`, read to the end (Connection: close). */
function getFrom(port: number, host: string, localAddress: string, path: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, localAddress });
    const chunks: Buffer[] = [];
    socket.setTimeout(20_000, () => socket.destroy(new Error(`GET ${path} from ${localAddress} timed out`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseRaw(Buffer.concat(chunks))));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  });
}

/** A GET whose response is never consumed: what arrives stays buffered (Node stops at its high-water mark, the
 *  kernel buffers fill, and the server sees a client that does not read). */
function idleGet(port: number, host: string, path: string): net.Socket {
  const socket = net.connect({ port, host, localAddress: '127.0.0.1' });
  socket.on('error', () => {});
  // A 'readable' listener lets the first bytes into readableLength without consuming them.
  socket.on('readable', () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`);
  return socket;
}

test('client addresses are normalised: an IPv4-mapped IPv6 address is the IPv4 address', () => {
  for (const mapped of ['::ffff:1.2.3.4', '::FFFF:1.2.3.4', '0000:0000:0000:0000:0000:ffff:0102:0304', '::ffff:102:304']) {
    assert.equal(normaliseIp(mapped), '1.2.3.4', mapped);
  }
  assert.equal(normaliseIp('127.0.0.1'), '127.0.0.1');
  assert.equal(normaliseIp('2001:0DB8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
  assert.equal(normaliseIp('0000:0000:0000:0000:0000:0000:0000:0001'), '::1');
  assert.notEqual(normaliseIp('::1'), normaliseIp('127.0.0.1'));
});

test('one address holding 300 idle connections cannot lock out another address', async () => {
  const cap = 16;
  const idle = 300;
  const data = patternBytes(16 * MiB, 5);
  const source = new MemorySource([{ id: 'big', data }], { chunkSize: 256 * 1024 });
  // Without a per-address cap, the idle streams would take all 64 global slots.
  const s = await createHttpServer({ source, host: '127.0.0.1', port: 0, maxStreams: 64, maxStreamsPerIp: cap, idleTimeoutMs: 60_000, logger: recordingLogger().logger });
  const hogs: net.Socket[] = [];
  try {
    for (let i = 0; i < idle; i++) hogs.push(idleGet(s.port, '127.0.0.1', '/dl/big'));
    // Every hog has an answer waiting in its buffer (headers and some body, or a 503), and the accepted ones are
    // stuck behind clients that do not read.
    await waitFor(() => hogs.every((h) => h.readableLength > 0), 'an answer to every idle request', 15_000);
    await waitFor(() => s.stats().activeStreams === cap && s.stats().pendingWrites === cap, `${cap} backpressured streams`, 15_000);

    const other = await getFrom(s.port, '127.0.0.1', '127.0.0.2', '/dl/big');
    assert.equal(other.status, 200);
    assert.equal(other.body.length, data.length);
    assert.ok(other.body.equals(data), 'the other address gets its file byte-exact');

    const more = await getFrom(s.port, '127.0.0.1', '127.0.0.1', '/dl/big');
    assert.equal(more.status, 503, 'the hogging address itself is still capped');
    assert.equal(more.headerList.find(([n]) => n === 'retry-after')?.[1], String(RETRY_AFTER_S));

    const statuses = hogs.map((h) => parseRaw(h.read() as Buffer).status);
    assert.equal(statuses.filter((x) => x === 200).length, cap);
    assert.equal(statuses.filter((x) => x === 503).length, idle - cap);
  } finally {
    for (const h of hogs) h.destroy();
    await waitFor(() => s.stats().activeStreams === 0, 'idle streams released').finally(() => s.close());
  }
  assert.equal(source.openNow, 0);
});

test('slots come back when streams end, and the cap holds on a dual-stack listener', async () => {
  const source = new MemorySource([{ id: 'h', data: patternBytes(1000) }, { id: 'f', data: patternBytes(5000, 3) }], { hangAfterBytes: 0 });
  // On '::' uWS reports IPv4 clients as IPv4-mapped IPv6 addresses.
  const s = await createHttpServer({ source, host: '::', port: 0, maxStreamsPerIp: 1, logger: recordingLogger().logger });
  const hog = idleGet(s.port, '127.0.0.1', '/dl/h');
  try {
    await waitFor(() => source.openNow === 1, 'a hanging stream');
    assert.equal((await getFrom(s.port, '127.0.0.1', '127.0.0.1', '/dl/h')).status, 503);
    source.options = {};
    const other = await getFrom(s.port, '127.0.0.1', '127.0.0.2', '/dl/f');
    assert.equal(other.status, 200);
    assert.ok(other.body.equals(source.files.get('f')!.data));
    hog.destroy();
    await waitFor(() => s.stats().activeStreams === 0, 'the hanging stream released');
    const again = await getFrom(s.port, '127.0.0.1', '127.0.0.1', '/dl/f');
    assert.equal(again.status, 200, 'the address has its slot back');
  } finally {
    hog.destroy();
    await s.close();
  }
  assert.equal(source.openNow, 0);
});

test('maxStreamsPerIp is checked', async () => {
  const source = new MemorySource();
  for (const bad of [0, -1, 1.5, '4']) {
    await assert.rejects(createHttpServer({ source, port: 0, maxStreamsPerIp: bad as number }), /options\.maxStreamsPerIp/);
  }
});
