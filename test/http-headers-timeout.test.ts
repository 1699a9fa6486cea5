// A source that produces nothing before headersTimeoutMs gets the client an honest 503 with Retry-After, its stream
// closed and the response counted as failed; whatever the source does later is ignored (never a late 502).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpServer, RETRY_AFTER_S, type HttpServer, type ResponseOutcome } from '../src/http/index.ts';
import { subscribeResponses, type ResponseEvent } from '../src/http/diagnostics.ts';
import type { BlockStream, FileInfo, FileSource } from '../src/streaming/types.ts';
import { headerValues, rawRequest, waitFor } from './support/http-client.ts';
import { recordingLogger, type LogRecord } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const HEADERS_TIMEOUT_MS = 150;
const STALL_BODY = 'the file is slow to start, retry shortly\n';

/** A source whose every next() waits until the test releases it with bytes, an end, or an error. */
class HeldSource implements FileSource {
  readonly data = patternBytes(300_000, 9);
  readonly pending: Array<{ resolve: (v: Uint8Array | null) => void; reject: (e: Error) => void }> = [];
  opened = 0;
  closed = 0;
  #pos = 0;

  async stat(id: string): Promise<FileInfo | null> {
    return id === 'f' ? { id, size: this.data.length, mimeType: 'application/octet-stream', fileName: 'f.bin', etag: '"f"' } : null;
  }

  open(): BlockStream {
    this.opened++;
    let closed = false;
    return {
      next: () => (closed ? Promise.resolve(null) : new Promise((resolve, reject) => this.pending.push({ resolve, reject }))),
      close: () => {
        if (!closed) this.closed++;
        closed = true;
      },
    };
  }

  /** Answers the oldest waiting next() with the next `n` bytes. */
  release(n: number): void {
    const waiter = this.pending.shift();
    assert.ok(waiter, 'a next() is waiting');
    waiter.resolve(this.data.subarray(this.#pos, (this.#pos += n)));
  }
}

type Run = (s: HttpServer, ctx: { records: LogRecord[]; outcomes: ResponseOutcome[]; events: ResponseEvent[] }) => Promise<void>;

async function withServer(source: FileSource, run: Run, headersTimeoutMs = HEADERS_TIMEOUT_MS): Promise<void> {
  const { logger, records } = recordingLogger();
  const outcomes: ResponseOutcome[] = [];
  const events: ResponseEvent[] = [];
  const unsubscribe = subscribeResponses((e) => {
    if (e.source === source) events.push(e);
  });
  const s = await createHttpServer({ source, host: '127.0.0.1', port: 0, headersTimeoutMs, logger, onResponseEnd: (o) => outcomes.push(o) });
  try {
    await run(s, { records, outcomes, events });
    await waitFor(() => s.stats().activeStreams === 0, 'responses to finish');
    assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
  } finally {
    unsubscribe();
    await s.close();
  }
}

const get = (s: HttpServer, method = 'GET') => rawRequest(s.port, `${method} /dl/f HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);

test('a first next() that never settles: 503 with Retry-After, stream closed, counted as failed', async () => {
  const source = new HeldSource();
  await withServer(source, async (s, { records, outcomes, events }) => {
    const r = await get(s);
    assert.equal(r.status, 503);
    assert.deepEqual(headerValues(r, 'retry-after'), [String(RETRY_AFTER_S)]);
    assert.equal(r.body.toString(), STALL_BODY);
    assert.equal(r.raw.toString('latin1').split('HTTP/1.1 ').length, 2, 'one response on the wire, nothing after it');
    assert.equal(source.closed, 1);
    await waitFor(() => outcomes.length === 1, 'the response accounted for');
    assert.equal(outcomes[0]!.result, 'failed');
    assert.equal(outcomes[0]!.failure, 'stalled');
    assert.equal(outcomes[0]!.bytesSent, 0);
    assert.deepEqual(events.map((e) => e.type), ['start', 'end']);
    assert.ok(records.some((x) => x.level === 'warn' && /produced nothing in time/.test(x.msg)));
  });
});

test('a held next() that later rejects or resolves changes nothing: no 502, no write after the 503', async () => {
  const source = new HeldSource();
  await withServer(source, async (s, { records, outcomes }) => {
    const first = await get(s);
    assert.equal(first.status, 503);
    const second = await get(s);
    assert.equal(second.status, 503);
    source.pending.shift()!.reject(new Error('too late'));
    source.release(1000);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(records.filter((x) => x.level === 'error').length, 0, 'a late rejection is not a source failure');
    assert.deepEqual(outcomes.map((o) => o.failure), ['stalled', 'stalled']);
    assert.equal(source.closed, 2);
  });
});

test('a stat that outlasts the timeout: 503 for GET and HEAD, and no stream is ever opened', async () => {
  const source = new MemorySource([{ id: 'f', data: patternBytes(1000) }], { statDelayMs: HEADERS_TIMEOUT_MS * 4 });
  await withServer(source, async (s) => {
    const r = await get(s);
    assert.equal(r.status, 503);
    assert.equal(r.body.toString(), STALL_BODY);
    const head = await get(s, 'HEAD');
    assert.equal(head.status, 503);
    assert.equal(head.body.length, 0);
    assert.deepEqual(headerValues(head, 'retry-after'), [String(RETRY_AFTER_S)]);
    await waitFor(() => source.counters.timers === 0, 'the slow stats to resolve');
    await new Promise((r) => setImmediate(r));
    assert.equal(source.counters.opened, 0);
  });
});

test('once headers are out the timeout no longer applies: a slow body completes byte-exact', async () => {
  // Long enough that the first release surely comes before it on a busy machine.
  const timeoutMs = 1000;
  const source = new HeldSource();
  await withServer(source, async (s, { outcomes }) => {
    const pending = get(s);
    await waitFor(() => source.pending.length === 1, 'the first next()');
    source.release(100_000);
    await waitFor(() => source.pending.length === 1, 'the second next()');
    assert.equal(s.stats().timers, 0, 'the headers timer is gone once headers left');
    // Well past the headers timeout, the body goes on.
    await new Promise((r) => setTimeout(r, timeoutMs * 1.5));
    source.release(100_000);
    await waitFor(() => source.pending.length === 1, 'the third next()');
    source.release(100_000);
    const r = await pending;
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(source.data));
    await waitFor(() => outcomes.length === 1, 'the response accounted for');
    assert.equal(outcomes[0]!.result, 'complete');
    assert.equal(outcomes[0]!.failure, null);
  }, timeoutMs);
});

test('a source that fails before headers is still a 502, not a 503', async () => {
  const source = new HeldSource();
  await withServer(source, async (s, { outcomes }) => {
    const pending = get(s);
    await waitFor(() => source.pending.length === 1, 'the first next()');
    source.pending.shift()!.reject(new Error('fetch failed'));
    assert.equal((await pending).status, 502);
    await waitFor(() => outcomes.length === 1, 'the response accounted for');
    assert.equal(outcomes[0]!.result, 'failed');
    assert.equal(outcomes[0]!.failure, 'source');
  }, 60_000);
});

test('headersTimeoutMs is checked', async () => {
  for (const bad of [0, -5, 2.5]) {
    await assert.rejects(createHttpServer({ source: new MemorySource(), port: 0, headersTimeoutMs: bad }), /options\.headersTimeoutMs/);
  }
});
