// Slow but steady readers: many clients each reading at a fixed rate (a token bucket that pauses the socket) must all
// get every byte, however long the transfer, and none may be closed as idle; a client that reads nothing is closed.
// The default run lasts a little over 3 minutes per reader; SHORT=1 runs a 32-second transfer while working on it.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createHttpServer } from '../src/http/index.ts';
import { connectionNotsentLowats, DEFAULT_NOTSENT_LOWAT } from '../src/http/socket-options.ts';
import { parseRaw, waitFor } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';
import { pace } from './support/paced-reader.ts';

const KiB = 1024;
const SHORT = process.env.SHORT === '1';
const READERS = 16;
const RATE = 64 * KiB; // bytes per second each reader takes
const SECONDS = SHORT ? 32 : 180;
const FILE_SIZE = RATE * SECONDS;
// The production default: far below the time a reader at RATE needs to drain a kernel send buffer (about a minute
// for 4 MiB), and far above the gaps between its reads even when a busy CI machine delays timers by seconds.
const IDLE_TIMEOUT_MS = 10_000;

interface ReaderResult {
  body: Buffer;
  status: number;
  /** The socket closed before the whole response arrived. */
  cutOff: boolean;
}

/** Reads one response at `rate` bytes per second, pausing the socket whenever it is ahead of its budget. */
function rateLimitedGet(port: number, path: string, rate: number, expectedBodyLength: number): Promise<ReaderResult> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const pacer = pace(socket, rate);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      pacer.took(chunk.length);
    });
    socket.on('error', reject);
    socket.on('close', () => {
      pacer.stop();
      const reply = parseRaw(Buffer.concat(chunks));
      resolve({ body: reply.body, status: reply.status, cutOff: reply.body.length < expectedBodyLength });
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  });
}

test(`${READERS} clients reading at ${RATE / KiB} KiB/s each get the whole file and none is closed as idle`, { timeout: (SECONDS + 120) * 1000 }, async () => {
  const data = patternBytes(FILE_SIZE, 11);
  const src = new MemorySource([{ id: 'slow', data }], { chunkSize: 256 * KiB });
  const { logger, records } = recordingLogger();
  const s = await createHttpServer({ source: src, host: '127.0.0.1', port: 0, idleTimeoutMs: IDLE_TIMEOUT_MS, logger });
  let maxPending = 0;
  const poll = setInterval(() => (maxPending = Math.max(maxPending, s.stats().pendingWrites)), 20);
  try {
    const results = await Promise.all(Array.from({ length: READERS }, () => rateLimitedGet(s.port, '/dl/slow', RATE, data.length)));
    for (const [i, r] of results.entries()) {
      assert.equal(r.status, 200, `reader ${i} status`);
      assert.equal(r.cutOff, false, `reader ${i} was cut off after ${r.body.length} of ${data.length} bytes`);
      assert.ok(r.body.equals(data), `reader ${i} got the file byte-exact`);
    }
    assert.ok(maxPending >= READERS / 2, `the readers really held the server back (at most ${maxPending} writes waited at once)`);
    assert.equal(records.filter((r) => /stopped reading/.test(r.msg)).length, 0, 'no reader was closed as idle');
    await waitFor(() => s.stats().activeStreams === 0, 'every response to finish');
    assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
  } finally {
    clearInterval(poll);
    await s.close();
  }
});

test('a client that stops reading midway is closed after the idle timeout, and its stream released', { timeout: 60_000 }, async () => {
  const data = patternBytes(16 * 1024 * KiB, 12);
  const src = new MemorySource([{ id: 'stall', data }], { chunkSize: 256 * KiB });
  const { logger, records } = recordingLogger();
  const s = await createHttpServer({ source: src, host: '127.0.0.1', port: 0, idleTimeoutMs: 1_500, logger });
  const socket = net.connect(s.port, '127.0.0.1');
  try {
    socket.on('error', () => {});
    let received = 0;
    // Read a little, then stop for good.
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= 512 * KiB) socket.pause();
    });
    socket.write('GET /dl/stall HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await waitFor(() => s.stats().pendingWrites === 1, 'the write to wait for the client');
    await waitFor(() => s.stats().activeStreams === 0, 'the idle client to be closed', 30_000);
    assert.ok(records.some((r) => r.level === 'info' && /stopped reading/.test(r.msg)), 'closed as idle, not for another reason');
    assert.ok(received < data.length);
    assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
    assert.equal(src.openNow, 0);
  } finally {
    socket.destroy();
    await s.close();
  }
});

test('accepted connections carry the bounded unsent-bytes limit set on the listening socket', { skip: process.platform !== 'linux' }, async () => {
  const src = new MemorySource([{ id: 'f', data: patternBytes(8 * 1024 * KiB, 13) }]);
  const s = await createHttpServer({ source: src, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
  const socket = net.connect(s.port, '127.0.0.1');
  try {
    socket.on('error', () => {});
    socket.pause();
    socket.write('GET /dl/f HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    await waitFor(() => s.stats().activeStreams === 1, 'the response to start');
    assert.deepEqual(connectionNotsentLowats(s.port), [DEFAULT_NOTSENT_LOWAT]);
  } finally {
    socket.destroy();
    await s.close();
  }
});
