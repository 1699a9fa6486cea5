import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import type { BlockStream, FileInfo, FileSource } from '../src/streaming/types.ts';
import { headerValues, rawRequest, request, waitFor } from './support/http-client.ts';
import { recordingLogger, type LogRecord } from './support/http-logger.ts';
import { MemorySource, patternBytes, type MemorySourceOptions } from './support/http-memory-source.ts';

const MiB = 1024 * 1024;

async function withServer(
  source: FileSource,
  run: (s: HttpServer, records: LogRecord[]) => Promise<void>,
): Promise<void> {
  const { logger, records } = recordingLogger();
  const s = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger });
  try {
    await run(s, records);
    await waitFor(() => s.stats().activeStreams === 0, 'responses to finish');
    assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
  } finally {
    await s.close();
  }
}

const memory = (size: number, options: MemorySourceOptions) => new MemorySource([{ id: 'f', data: patternBytes(size) }], options);
const get = (s: HttpServer, extra = '') => rawRequest(s.port, `GET /dl/f HTTP/1.1\r\nHost: t\r\n${extra}Connection: close\r\n\r\n`);
const errorCodes = (records: LogRecord[]) => records.filter((r) => r.level === 'error').map((r) => (r.obj.err as { code?: string }).code);

test('a source failing mid-body closes the connection short of Content-Length; the server keeps serving', async () => {
  const src = memory(4 * MiB, { chunkSize: 64 * 1024, failAtOffset: MiB + 5 });
  await withServer(src, async (s, records) => {
    const r = await get(s);
    assert.equal(r.status, 200);
    assert.equal(headerValues(r, 'content-length')[0], String(4 * MiB));
    assert.ok(r.body.length < 4 * MiB && r.body.length >= MiB, `got ${r.body.length} bytes`);
    assert.ok(r.body.equals(src.files.get('f')!.data.subarray(0, r.body.length)));
    assert.deepEqual(errorCodes(records), ['SB_ERR_HTTP_SOURCE']);
    assert.match(records.find((x) => x.level === 'error')!.msg, /closing the connection mid-body/);
    await waitFor(() => src.openNow === 0, 'stream closed');
    assert.equal(src.counters.closeCalls, 1);
    // Same server, a range before the failing byte still works.
    const ok = await request(s.port, '/dl/f', { headers: { Range: 'bytes=0-99' } });
    assert.equal(ok.status, 206);
  });
});

test('a failure in a later multipart part also closes the connection', async () => {
  const src = memory(MiB, { chunkSize: 1000, failAtOffset: 500_000 });
  await withServer(src, async (s, records) => {
    const r = await get(s, 'Range: bytes=0-99,499000-501000\r\n');
    assert.equal(r.status, 206);
    assert.ok(r.body.length < Number(headerValues(r, 'content-length')[0]));
    assert.deepEqual(errorCodes(records), ['SB_ERR_HTTP_SOURCE']);
    await waitFor(() => src.openNow === 0, 'streams closed');
    assert.equal(src.counters.closeCalls, src.counters.opened);
  });
});

test('a source failing before the first byte gets a 502 with a short body', async () => {
  const src = memory(MiB, { failAtOffset: 0 });
  await withServer(src, async (s, records) => {
    const r = await get(s);
    assert.equal(r.status, 502);
    assert.equal(r.body.toString(), 'the file could not be fetched, try again\n');
    assert.deepEqual(errorCodes(records), ['SB_ERR_HTTP_SOURCE']);
    assert.equal(src.openNow, 0);
  });
});

test('stat rejecting is a 502, for GET and HEAD alike', async () => {
  const src = memory(10, { failStat: true });
  await withServer(src, async (s) => {
    assert.equal((await get(s)).status, 502);
    const head = await rawRequest(s.port, 'HEAD /dl/f HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    assert.equal(head.status, 502);
    assert.equal(head.body.length, 0);
  });
});

test('a stream that ends early: 502 before any byte, connection closed after some', async () => {
  await withServer(memory(10, { truncateBy: 10 }), async (s, records) => {
    assert.equal((await get(s)).status, 502);
    assert.deepEqual(errorCodes(records), ['SB_ERR_HTTP_SOURCE_LENGTH']);
  });
  await withServer(memory(MiB, { chunkSize: 1000, truncateBy: 1 }), async (s, records) => {
    const r = await get(s);
    assert.equal(r.status, 200);
    assert.ok(r.body.length < MiB);
    assert.deepEqual(errorCodes(records), ['SB_ERR_HTTP_SOURCE_LENGTH']);
  });
});

/** A source whose streams break the contract in the given way. */
function rogue(kind: 'too-long' | 'open-throws' | 'bad-size' | 'stat-throws-sync'): FileSource & { closed: number } {
  const info: FileInfo = { id: 'f', size: kind === 'bad-size' ? -1 : 100, mimeType: 'text/plain', fileName: 'f.txt', etag: '"x"' };
  const src = {
    closed: 0,
    stat(): Promise<FileInfo | null> {
      if (kind === 'stat-throws-sync') throw new Error('sync throw');
      return Promise.resolve(info);
    },
    open(): BlockStream {
      if (kind === 'open-throws') throw new Error('cannot open');
      let sent = false;
      return {
        next: async () => (sent ? null : ((sent = true), new Uint8Array(150))),
        close: () => {
          src.closed++;
        },
      };
    },
  };
  return src;
}

test('contract breaches by the source are 502s, never crashes', async () => {
  for (const kind of ['too-long', 'open-throws', 'bad-size', 'stat-throws-sync'] as const) {
    const src = rogue(kind);
    await withServer(src, async (s, records) => {
      const r = await get(s);
      assert.equal(r.status, 502, kind);
      assert.equal(records.filter((x) => x.level === 'error').length, 1, kind);
      if (kind === 'too-long') assert.equal(src.closed, 1);
    });
  }
});
