import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createHttpServer } from '../src/http/index.ts';
import { parseRaw, waitFor } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const MiB = 1024 * 1024;

test('a client that stops reading is closed after idleTimeoutMs and its stream released', async () => {
  const data = patternBytes(32 * MiB);
  const src = new MemorySource([{ id: 'big', data }], { chunkSize: 256 * 1024 });
  const { logger, records } = recordingLogger();
  const s = await createHttpServer({ source: src, host: '127.0.0.1', port: 0, idleTimeoutMs: 300, logger });
  const sock = net.connect(s.port, '127.0.0.1');
  try {
    sock.on('error', () => {});
    sock.pause();
    sock.write('GET /dl/big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await waitFor(() => s.stats().pendingWrites === 1, 'backpressure');
    const stalledAt = Date.now();
    await waitFor(() => s.stats().activeStreams === 0, 'the idle timeout to close the client', 3_000);
    const waited = Date.now() - stalledAt;
    assert.ok(waited >= 250, `closed after ${waited} ms, not before the timeout`);
    assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
    assert.equal(src.openNow, 0);
    assert.equal(src.counters.closeCalls, src.counters.opened);
    assert.ok(records.some((r) => r.level === 'info' && /stopped reading/.test(r.msg)));

    // What the client had been sent is a correct prefix, and the connection ends short of Content-Length.
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('close', () => resolve());
      sock.resume();
    });
    const reply = parseRaw(Buffer.concat(chunks));
    assert.equal(reply.status, 200);
    assert.ok(reply.body.length < data.length);
    assert.ok(reply.body.equals(data.subarray(0, reply.body.length)));
  } finally {
    sock.destroy();
    await s.close();
  }
});

test('a slow but steady reader is never cut off and gets every byte', async () => {
  const data = patternBytes(24 * MiB, 5);
  const src = new MemorySource([{ id: 'big', data }], { chunkSize: 100_000 });
  const s = await createHttpServer({ source: src, host: '127.0.0.1', port: 0, idleTimeoutMs: 400, logger: recordingLogger().logger });
  const sock = net.connect(s.port, '127.0.0.1');
  let sawBackpressure = false;
  const poll = setInterval(() => (sawBackpressure ||= s.stats().pendingWrites > 0), 5);
  try {
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve, reject) => {
      sock.on('error', reject);
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('close', () => resolve());
      sock.write('GET /dl/big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
      // Read in short bursts with pauses shorter than the idle timeout.
      const tick = () => {
        if (sock.destroyed) return;
        sock.pause();
        setTimeout(() => {
          sock.resume();
          setTimeout(tick, 5);
        }, 120);
      };
      tick();
    });
    const reply = parseRaw(Buffer.concat(chunks));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, data.length);
    assert.ok(reply.body.equals(data), 'resumed writes continue at the right offset');
    assert.ok(sawBackpressure, 'the test really exercised onWritable');
    await waitFor(() => s.stats().activeStreams === 0, 'response finished');
    assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
    assert.equal(s.stats().bytesSent, data.length);
  } finally {
    clearInterval(poll);
    sock.destroy();
    await s.close();
  }
});

test('idleTimeoutMs above uWS own 10 s socket timeout holds: a client that pauses 12 s and resumes gets every byte', { timeout: 60_000 }, async () => {
  const data = patternBytes(8 * MiB, 9);
  const src = new MemorySource([{ id: 'big', data }], { chunkSize: 256 * 1024 });
  const { logger, records } = recordingLogger();
  const s = await createHttpServer({ source: src, host: '127.0.0.1', port: 0, idleTimeoutMs: 20_000, logger });
  const sock = net.connect(s.port, '127.0.0.1');
  try {
    sock.on('error', () => {});
    sock.pause();
    sock.write('GET /dl/big HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await waitFor(() => s.stats().pendingWrites === 1, 'backpressure');
    // uWS closes a backpressured socket 8 to 12 s after its last write attempt unless that timer is re-armed.
    await new Promise((r) => setTimeout(r, 12_500));
    assert.equal(s.stats().activeStreams, 1, 'still open after 12.5 s of no reading');
    const chunks: Buffer[] = [];
    await new Promise<void>((resolve) => {
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('close', () => resolve());
      sock.resume();
    });
    const reply = parseRaw(Buffer.concat(chunks));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.length, data.length);
    assert.ok(reply.body.equals(data));
    assert.ok(!records.some((r) => /stopped reading/.test(r.msg)));
  } finally {
    sock.destroy();
    await s.close();
  }
});
