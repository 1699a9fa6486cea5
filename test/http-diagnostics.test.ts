// Response events on the streambot:http:response channel, and allowMore stopping a body at a block boundary.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { createHttpServer, type HttpServer, type HttpServerOptions, type ResponseOutcome } from '../src/http/index.ts';
import { RESPONSE_CHANNEL, subscribeResponses, type ResponseEvent } from '../src/http/diagnostics.ts';
import { headerValues, rawRequest, request, waitFor } from './support/http-client.ts';
import { recordingLogger, type LogRecord } from './support/http-logger.ts';
import { MemorySource, patternBytes, type MemorySourceOptions } from './support/http-memory-source.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

interface Ctx {
  source: MemorySource;
  events: ResponseEvent[];
  outcomes: ResponseOutcome[];
  records: LogRecord[];
}

async function withServer(options: MemorySourceOptions, extra: Partial<HttpServerOptions>, run: (s: HttpServer, ctx: Ctx) => Promise<void>): Promise<void> {
  const source = new MemorySource([{ id: 'f', data: patternBytes(MiB, 4) }, { id: 'big', data: patternBytes(32 * MiB, 6) }], options);
  const { logger, records } = recordingLogger();
  const events: ResponseEvent[] = [];
  const outcomes: ResponseOutcome[] = [];
  // The channel is process-wide: keep only this server's events.
  const unsubscribe = subscribeResponses((e) => {
    if (e.source === source) events.push(e);
  });
  const s = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger, onResponseEnd: (o) => outcomes.push(o), ...extra });
  try {
    await run(s, { source, events, outcomes, records });
    await waitFor(() => s.stats().activeStreams === 0, 'responses to finish');
    assert.deepEqual({ ...s.stats(), bytesSent: 0 }, { activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 });
    assert.equal(source.openNow, 0);
  } finally {
    unsubscribe();
    await s.close();
  }
}

const sum = (events: ResponseEvent[]) => events.filter((e) => e.type === 'bytes').reduce((n, e) => n + e.bytes, 0);

test('the channel name is streambot:http:response', () => {
  assert.equal(RESPONSE_CHANNEL, 'streambot:http:response');
});

test('a whole file: start, one bytes event per block, end; the bytes add up to the body', async () => {
  await withServer({ chunkSize: 64 * KiB }, {}, async (s, { source, events, outcomes }) => {
    const r = await request(s.port, '/stream/f/name.bin');
    assert.equal(r.status, 200);
    await waitFor(() => events.some((e) => e.type === 'end'), 'the end event');
    const [start, ...rest] = events;
    assert.equal(start!.type, 'start');
    assert.ok(start!.type === 'start' && start.status === 200 && start.contentLength === MiB && start.firstByte === 0);
    assert.equal(start!.disposition, 'inline');
    assert.equal(start!.info?.id, 'f');
    const bytes = rest.filter((e) => e.type === 'bytes');
    assert.equal(bytes.length, MiB / (64 * KiB), 'one event per block written');
    assert.ok(bytes.every((e) => e.bytes === 64 * KiB));
    assert.deepEqual(bytes.map((e) => e.totalBytes), bytes.map((_, i) => (i + 1) * 64 * KiB));
    const end = events.at(-1)!;
    assert.equal(end.type, 'end');
    assert.ok(end.type === 'end' && end.outcome.result === 'complete' && end.totalBytes === MiB);
    assert.equal(new Set(events.map((e) => e.responseId)).size, 1);
    assert.equal(outcomes[0]!.bytesSent, MiB);
    assert.equal(source.counters.opened, 1);
  });
});

test('ranges and multipart: firstByte is the first range start, and bytes add up to Content-Length', async () => {
  await withServer({ chunkSize: 1000 }, {}, async (s, { events }) => {
    const one = await request(s.port, '/dl/f', { headers: { Range: 'bytes=100-5099' } });
    assert.equal(one.status, 206);
    const multi = await request(s.port, '/dl/f', { headers: { Range: 'bytes=500-999,0-99,9000-' } });
    assert.equal(multi.status, 206);
    await waitFor(() => events.filter((e) => e.type === 'end').length === 2, 'two end events');
    const ids = [...new Set(events.map((e) => e.responseId))];
    assert.equal(ids.length, 2);
    const of = (id: number) => events.filter((e) => e.responseId === id);
    const [a, b] = ids.map(of);
    assert.ok(a![0]!.type === 'start' && a![0].firstByte === 100 && a![0].status === 206);
    assert.equal(sum(a!), 5000);
    assert.ok(b![0]!.type === 'start' && b![0].firstByte === 500, 'the first range the client asked for');
    assert.equal(sum(b!), Number(multi.headers['content-length']));
    assert.equal(sum(b!), b!.at(-1)!.totalBytes);
  });
});

test('an aborted response reports exactly what uWS accepted, then end with result aborted', async () => {
  await withServer({ chunkSize: 256 * KiB }, {}, async (s, { events, outcomes }) => {
    const sock = net.connect(s.port, '127.0.0.1');
    sock.on('error', () => {});
    sock.on('readable', () => {}); // buffer, never consume
    sock.write('GET /dl/big HTTP/1.1\r\nHost: t\r\n\r\n');
    await waitFor(() => s.stats().pendingWrites === 1, 'a write waiting for the client');
    sock.destroy();
    await waitFor(() => outcomes.length === 1, 'the response accounted for');
    const end = events.at(-1)!;
    assert.ok(end.type === 'end' && end.outcome.result === 'aborted');
    assert.equal(sum(events), outcomes[0]!.bytesSent);
    assert.equal(end.totalBytes, outcomes[0]!.bytesSent);
    assert.ok(outcomes[0]!.bytesSent > 0 && outcomes[0]!.bytesSent < 32 * MiB);
  });
});

test('responses without a body publish only end: 404, HEAD, 416', async () => {
  await withServer({}, {}, async (s, { events }) => {
    assert.equal((await request(s.port, '/dl/nope')).status, 404);
    assert.equal((await request(s.port, '/dl/f', { method: 'HEAD' })).status, 200);
    assert.equal((await request(s.port, '/dl/f', { headers: { Range: 'bytes=9999999-' } })).status, 416);
    await waitFor(() => events.length === 3, 'three end events');
    assert.deepEqual(events.map((e) => e.type), ['end', 'end', 'end']);
    assert.equal(events[0]!.info, null);
    assert.ok(events.every((e) => e.totalBytes === 0 && e.type === 'end' && e.outcome.result === 'complete'));
  });
});

test('allowMore stops a long body at a block boundary, before the source is asked for more', async () => {
  const calls: number[] = [];
  const allowMore = (_info: unknown, bytesSoFar: number) => {
    calls.push(bytesSoFar);
    return bytesSoFar < 256 * KiB;
  };
  await withServer({ chunkSize: 64 * KiB }, { allowMore }, async (s, { source, events, outcomes, records }) => {
    const r = await rawRequest(s.port, 'GET /dl/f HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 200);
    assert.deepEqual(headerValues(r, 'content-length'), [String(MiB)]);
    assert.equal(r.body.length, 256 * KiB, 'the connection closed right after the allowed blocks');
    assert.ok(r.body.equals(source.files.get('f')!.data.subarray(0, 256 * KiB)));
    assert.deepEqual(calls, [0, 64 * KiB, 128 * KiB, 192 * KiB, 256 * KiB]);
    assert.equal(source.counters.nextCalls, 4, 'no block was requested past the refusal');
    await waitFor(() => outcomes.length === 1, 'the response accounted for');
    assert.equal(outcomes[0]!.result, 'stopped');
    assert.equal(outcomes[0]!.bytesSent, 256 * KiB);
    assert.equal(sum(events), 256 * KiB);
    assert.ok(records.some((x) => /allowMore stopped the response/.test(x.msg)));
  });
});

test('allowMore refusing before the first byte: 429 with a clear body, no stream opened; HEAD is not limited', async () => {
  await withServer({}, { allowMore: () => false }, async (s, { source, outcomes }) => {
    const r = await request(s.port, '/dl/f');
    assert.equal(r.status, 429);
    assert.match(r.body.toString(), /bandwidth limit reached/);
    assert.equal(source.counters.opened, 0);
    assert.equal((await request(s.port, '/dl/f', { method: 'HEAD' })).status, 200);
    await waitFor(() => outcomes.length === 2, 'both responses accounted for');
    assert.equal(outcomes[0]!.result, 'stopped');
  });
});

test('allowMore stopping a later multipart part closes the connection', async () => {
  await withServer({ chunkSize: 1000 }, { allowMore: (_i, n) => n < 3000 }, async (s, { source, outcomes }) => {
    const r = await rawRequest(s.port, 'GET /dl/f HTTP/1.1\r\nHost: t\r\nRange: bytes=0-1999,500000-509999\r\nConnection: close\r\n\r\n');
    assert.equal(r.status, 206);
    assert.ok(r.body.length < Number(headerValues(r, 'content-length')[0]));
    await waitFor(() => outcomes.length === 1, 'the response accounted for');
    assert.equal(outcomes[0]!.result, 'stopped');
    assert.equal(source.counters.closeCalls, source.counters.opened);
  });
});

test('an allowMore that throws is logged and the body goes on', async () => {
  await withServer({}, { allowMore: () => { throw new Error('quota store down'); } }, async (s, { source, records }) => {
    const r = await request(s.port, '/dl/f');
    assert.equal(r.status, 200);
    assert.ok(r.body.equals(source.files.get('f')!.data));
    assert.ok(records.some((x) => x.level === 'error' && /allowMore threw/.test(x.msg)));
  });
});
