import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { waitFor } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes, type MemorySourceOptions } from './support/http-memory-source.ts';

const MiB = 1024 * 1024;

async function withServer(options: MemorySourceOptions, size: number, run: (s: HttpServer, src: MemorySource) => Promise<void>) {
  const src = new MemorySource([{ id: 'f', data: patternBytes(size) }], options);
  const s = await createHttpServer({ source: src, host: '127.0.0.1', port: 0, maxStreams: 1000, logger: recordingLogger().logger });
  try {
    await run(s, src);
  } finally {
    await s.close();
  }
}

async function assertClean(s: HttpServer, src: MemorySource): Promise<void> {
  await waitFor(() => s.stats().activeStreams === 0 && src.openNow === 0, 'every response and stream to be released');
  const { activeStreams, pendingWrites, timers } = s.stats();
  assert.deepEqual({ activeStreams, pendingWrites, timers }, { activeStreams: 0, pendingWrites: 0, timers: 0 });
  assert.equal(src.counters.closeCalls, src.counters.opened, 'close() exactly once per stream');
  await waitFor(() => src.counters.timers === 0, 'source timers released by close()');
}

function connect(port: number, path = '/dl/f', extra = ''): net.Socket {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  sock.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n${extra}\r\n`);
  return sock;
}

test('abort before stat resolves: no stream is ever opened', async () => {
  await withServer({ statDelayMs: 150 }, 1000, async (s, src) => {
    const sock = connect(s.port);
    await waitFor(() => src.counters.statCalls === 1, 'stat called');
    sock.destroy();
    await waitFor(() => s.stats().activeStreams === 0, 'abort noticed');
    await new Promise((r) => setTimeout(r, 200)); // let stat resolve into an aborted response
    assert.equal(src.counters.opened, 0);
    await assertClean(s, src);
  });
});

test('abort during a pending next(): the stream is closed once and the pending read released', async () => {
  await withServer({ hangAfterBytes: 64 * 1024, chunkSize: 64 * 1024 }, MiB, async (s, src) => {
    const sock = connect(s.port);
    await waitFor(() => src.counters.nextCalls === 2, 'second next() pending');
    sock.destroy();
    await assertClean(s, src);
    assert.equal(src.counters.opened, 1);
  });
});

test('abort while a write waits for a client that does not read', async () => {
  await withServer({ chunkSize: 256 * 1024 }, 32 * MiB, async (s, src) => {
    const sock = connect(s.port);
    sock.pause();
    await waitFor(() => s.stats().pendingWrites === 1, 'backpressure');
    assert.equal(s.stats().timers, 1, 'the idle timer runs while backpressured');
    sock.destroy();
    await assertClean(s, src);
  });
});

test('200 clients aborting at random points leave nothing behind', async () => {
  await withServer({ chunkSize: 16 * 1024, delayMs: 1, statDelayMs: 2 }, 2 * MiB, async (s, src) => {
    let seed = 11;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    const client = (i: number) =>
      new Promise<void>((resolve) => {
        const mode = i % 5;
        const ranged = rnd(2) === 0 ? `Range: bytes=${rnd(MiB)}-\r\n` : '';
        const multi = i % 7 === 0 ? 'Range: bytes=0-99,5000-9999,-100\r\n' : ranged;
        const sock = connect(s.port, i % 2 ? '/dl/f' : '/stream/f/name.bin', multi);
        sock.on('close', () => resolve());
        if (mode === 0) sock.destroy(); // before stat resolves
        else if (mode === 1) sock.once('data', () => sock.destroy()); // right after the first bytes
        else if (mode === 2) {
          sock.pause(); // stops reading, then leaves while the server waits to write
          setTimeout(() => sock.destroy(), 5 + rnd(40));
        } else if (mode === 3) setTimeout(() => sock.destroy(), rnd(60)); // anywhere
        else {
          let got = 0;
          const limit = 1 + rnd(MiB);
          sock.on('data', (c: Buffer) => {
            got += c.length;
            if (got >= limit) sock.destroy(); // after a random number of bytes
          });
          sock.on('end', () => sock.destroy());
        }
      });
    for (let batch = 0; batch < 200; batch += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => client(batch + k)));
    }
    await assertClean(s, src);
    assert.ok(src.counters.opened > 50, `streams were really opened (${src.counters.opened})`);
  });
});
