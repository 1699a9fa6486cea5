// The policy runs before file routes; requests pipelined behind a file response must still be held by the uws-front
// hook and answered in order, whether the policy decides at once (limits in memory) or after asking the store.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import pino from 'pino';
import { createHttpServer } from '../src/http/index.ts';
import { createSecurityPolicy } from '../src/security/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const FILE = patternBytes(200_000, 3);

/** Sends `text` on one connection and resolves everything received once the server closes it. */
function converse(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('no close within 10 s')); }, 10_000);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => { clearTimeout(timer); reject(err); });
    socket.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(chunks).toString('latin1')); });
    socket.write(text);
  });
}

// A database across the network answers in a later turn of the event loop, not in a microtask.
const slowStore = { hitWindow: (_key: string, _ms: number, limit: number) => new Promise((resolve) => setTimeout(() => resolve({ allowed: true, count: 1, limit, resetAt: new Date() }), 20)), close: async () => {} } as unknown as Store;

for (const kind of ['in memory', 'store', 'slow store'] as const) {
  test(`two pipelined file GETs behind the policy are both answered in order (${kind})`, async () => {
    const { logger } = recordingLogger();
    const store: Store | undefined = kind === 'store' ? await openStore({ dataDir: ':memory:', logger: pino({ level: 'silent' }) }) : kind === 'slow store' ? slowStore : undefined;
    const policy = createSecurityPolicy({ baseUrl: 'http://127.0.0.1', corsAllowedOrigins: [], trustedProxies: [], requestsPerMinutePerIp: 100, streamsPerUser: 0, streamsPerLink: 0, store, logger });
    const source = new MemorySource([{ id: 'f1', data: FILE }], { chunkSize: 16 * 1024 });
    const server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger, policy });
    try {
      const all = await converse(server.port,
        'GET /dl/f1 HTTP/1.1\r\nHost: a\r\nRange: bytes=0-99999\r\n\r\n'
        + 'GET /stream/f1 HTTP/1.1\r\nHost: a\r\nRange: bytes=100000-\r\nConnection: close\r\n\r\n');
      const statuses = [...all.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
      assert.deepEqual(statuses, ['206', '206']);
      assert.ok(all.indexOf('bytes 0-99999/200000') < all.indexOf('bytes 100000-199999/200000'), 'answered in order');
    } finally {
      await server.close();
      policy.close();
      await store?.close();
    }
  });
}
