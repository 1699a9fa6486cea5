// GET /metrics end to end: a server with the metrics route and policy, a stream through it, sessions reporting
// through a fake supervisor; the scrape is parsed strictly (prom-client has no parser of the text format).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { createMetrics, fileResponseStatus, type Metrics } from '../src/metrics/index.ts';
import type { SessionSnapshot, Supervisor, SupervisorStats } from '../actors/supervisor/index.ts';
import type { SessionMetricsReport } from '../actors/session/session-metrics.ts';
import type { Store, StoreHealth } from '../src/store/index.ts';
import { request, waitFor } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

const MiB = 1024 * 1024;

// ---- A strict reader of the text exposition format (prometheus.io/docs/instrumenting/exposition_formats) ----

interface Sample { name: string; labels: Record<string, string>; value: number }
interface Family { name: string; help: string; type: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

// Prometheus reads values with Go's strconv.ParseFloat, which takes NaN and Inf in any case (prom-client writes 'Nan').
function parseValue(text: string, line: string): number {
  if (/^\+?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  if (/^nan$/i.test(text)) return NaN;
  assert.match(text, /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `bad sample value in: ${line}`);
  return Number(text);
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    assert.ok(eq > i, `bad label in: ${line}`);
    const name = text.slice(i, eq);
    assert.match(name, LABEL_NAME, `bad label name in: ${line}`);
    assert.equal(text[eq + 1], '"', `unquoted label value in: ${line}`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        const next = text[++j];
        assert.ok(next === '\\' || next === '"' || next === 'n', `bad escape in: ${line}`);
        value += next === 'n' ? '\n' : next;
      } else {
        value += text[j];
      }
    }
    assert.equal(text[j], '"', `unterminated label value in: ${line}`);
    assert.ok(!(name in labels), `repeated label ${name} in: ${line}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else assert.equal(i, text.length, `junk after a label in: ${line}`);
  }
  return labels;
}

function familyOf(sample: string, families: Map<string, Family>): Family | undefined {
  for (const suffix of ['', '_bucket', '_sum', '_count']) {
    if (suffix && !sample.endsWith(suffix)) continue;
    const f = families.get(sample.slice(0, sample.length - suffix.length));
    if (f && (suffix === '' ? f.type !== 'histogram' : f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return f;
  }
  return undefined;
}

function parseExposition(text: string): Map<string, Family> {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = new Map<string, Family>();
  const help = new Map<string, string>();
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      assert.match(name, NAME, `bad metric name in: ${line}`);
      if (kind === 'HELP') {
        assert.ok(!help.has(name), `second HELP for ${name}`);
        help.set(name, rest);
      } else {
        assert.ok(TYPES.has(rest), `unknown type in: ${line}`);
        assert.ok(!families.has(name), `second TYPE for ${name}`);
        families.set(name, { name, help: help.get(name) ?? '', type: rest, samples: [] });
      }
      continue;
    }
    assert.ok(!line.startsWith('#'), `unexpected comment: ${line}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    const family = familyOf(name, families);
    assert.ok(family, `sample ${name} comes before (or without) its TYPE line`);
    family.samples.push({ name, labels: parseLabels(labelText ?? '', line), value: parseValue(value, line) });
  }
  for (const f of families.values()) assert.ok(f.help.length > 0, `${f.name} has no HELP text`);
  return families;
}

function value(families: Map<string, Family>, sample: string, labels: Record<string, string> = {}): number | undefined {
  const family = familyOf(sample, families);
  const match = family?.samples.find((s) => s.name === sample && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return match?.value;
}

// ---- Fakes: a supervisor with two sessions and a store ----

class FakeSupervisor extends EventEmitter {
  snapshots: SessionSnapshot[] = [0, 1].map((index) => ({ index, state: 'ready', inFlight: 0, abandoned: 0, linksDown: [], lastProgressAt: 0, completed: 0, restarts: 0 }));
  fetched = 0;
  states() { return this.snapshots.map((s) => ({ ...s })); }
  stats(): SupervisorStats {
    return { queued: 2, inFlight: 1, timers: 0, completed: 0, failed: 0, retried: 0, aborted: 0, dropped: 0, sessions: 2, ready: 2, pendingCalls: 0 };
  }
  async fetchBlock(req: { limit: number }, signal?: AbortSignal): Promise<ArrayBuffer> {
    if (signal?.aborted) throw new Error('aborted');
    if (req.limit === 0) throw new Error('bad block');
    this.fetched++;
    return new ArrayBuffer(req.limit);
  }
  emitState(index: number, state: SessionSnapshot['state'], previous: SessionSnapshot['state']) {
    this.snapshots[index]!.state = state;
    this.emit('state', { index, state, previous, at: Date.now() });
  }
  report(index: number, r: Partial<SessionMetricsReport>) {
    this.emit('event', { index, event: { type: 'metrics', worker: 1, blocks: 0, blockBytes: 0, errors: 0, floodWaits: 0, heapUsedBytes: 0, ...r } });
  }
}

const storeHealth: StoreHealth = { backend: 'sqlite', degraded: true, pendingCounters: 3, lastError: 'down' };
class FakeStore {
  #files = new Map([['known', { id: 'known' }]]);
  health() { return { ...storeHealth }; }
  async getFile(id: string) { return this.#files.get(id) ?? null; }
  async saveSession(): Promise<void> { throw new Error('database unreachable'); }
}

const source = new MemorySource([{ id: 'f', data: patternBytes(MiB, 3) }, { id: 'big', data: patternBytes(32 * MiB, 5) }]);
const supervisor = new FakeSupervisor();
const store = new FakeStore();
const { logger, records } = recordingLogger();
let readAhead = 0;
let server: HttpServer | undefined;
let metrics: Metrics;

before(async () => {
  metrics = createMetrics({
    supervisor: supervisor as unknown as Supervisor,
    store: store as unknown as Store,
    // Called before the server exists too: the gauges then stay unset instead of failing the scrape.
    http: () => server!.stats(),
    readAheadInFlight: () => readAhead,
    source,
    logger,
  });
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger, routes: metrics.routes(), policy: metrics.policy() });
});

after(async () => {
  metrics.close();
  await server?.close();
  assert.equal(source.openNow, 0);
});

async function scrape(): Promise<Map<string, Family>> {
  const r = await request(server!.port, '/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], metrics.registry.contentType);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4; charset=utf-8$/);
  return parseExposition(r.body.toString('utf8'));
}

const EXPECTED = [
  // HTTP
  'streambot_http_active_streams', 'streambot_http_sent_bytes_total', 'streambot_http_responses_total',
  // block fetches and read-ahead
  'streambot_block_fetch_duration_seconds', 'streambot_read_ahead_in_flight_bytes',
  // sessions
  'streambot_sessions', 'streambot_session_in_flight_jobs', 'streambot_session_jobs_completed_total', 'streambot_scheduler_queued_jobs',
  'streambot_session_blocks_total', 'streambot_session_block_bytes_total', 'streambot_session_errors_total',
  'streambot_session_flood_waits_total', 'streambot_session_restarts_total', 'streambot_session_worker_heap_bytes',
  // store
  'streambot_store_operation_duration_seconds', 'streambot_store_degraded', 'streambot_store_pending_counters',
  // process defaults under the streambot_ prefix
  'streambot_nodejs_eventloop_lag_seconds', 'streambot_nodejs_heap_size_used_bytes', 'streambot_process_resident_memory_bytes',
];

test('a scrape before any traffic parses and lists every metric with HELP text', async () => {
  const families = await scrape();
  for (const name of EXPECTED) assert.ok(families.has(name), `missing ${name}`);
  for (const name of families.keys()) assert.ok(name.startsWith('streambot_'), `${name} lacks the streambot_ prefix`);
  assert.equal(value(families, 'streambot_sessions', { state: 'ready' }), 2);
  assert.equal(value(families, 'streambot_session_blocks_total', { session: '1' }), 0, 'every session shows before its first report');
  assert.equal(value(families, 'streambot_store_degraded', { backend: 'sqlite' }), 1);
  assert.equal(value(families, 'streambot_store_pending_counters'), 3);
  assert.equal(value(families, 'streambot_scheduler_queued_jobs'), 2);
});

test('a stream through the server moves the HTTP counters', async () => {
  const before = await scrape();
  const sentBefore = value(before, 'streambot_http_sent_bytes_total') ?? 0;
  const okBefore = value(before, 'streambot_http_responses_total', { kind: 'file', status: '200' }) ?? 0;

  const r = await request(server!.port, '/stream/f/clip.bin');
  assert.equal(r.status, 200);
  assert.equal(r.body.length, MiB);
  assert.equal((await request(server!.port, '/dl/f', { headers: { range: 'bytes=0-99' } })).status, 206);
  assert.equal((await request(server!.port, '/dl/nope')).status, 404);
  assert.equal((await request(server!.port, '/healthz')).status, 200);
  assert.equal((await request(server!.port, '/metrics', { method: 'POST' })).status, 405);

  const after = await scrape();
  assert.equal(value(after, 'streambot_http_sent_bytes_total'), sentBefore + MiB + 100);
  assert.equal(value(after, 'streambot_http_responses_total', { kind: 'file', status: '200' }), okBefore + 1);
  assert.equal(value(after, 'streambot_http_responses_total', { kind: 'file', status: '206' }), 1);
  assert.equal(value(after, 'streambot_http_responses_total', { kind: 'file', status: '404' }), 1);
  assert.equal(value(after, 'streambot_http_responses_total', { kind: 'probe', status: '200' }), 1);
  assert.equal(value(after, 'streambot_http_responses_total', { kind: 'metrics', status: '405' }), 1);
  assert.ok((value(after, 'streambot_http_responses_total', { kind: 'metrics', status: '200' }) ?? 0) >= 2, 'earlier scrapes are counted');
});

test('a stream in progress shows as an active stream until its client goes away', async () => {
  const socket = net.connect(server!.port, '127.0.0.1');
  socket.on('error', () => {});
  // A client that never reads holds its response open.
  socket.pause();
  socket.write('GET /stream/big HTTP/1.1\r\nHost: x\r\n\r\n');
  try {
    await waitFor(() => server!.stats().activeStreams === 1, 'the stream to start');
    assert.equal(value(await scrape(), 'streambot_http_active_streams'), 1);
  } finally {
    socket.destroy();
  }
  await waitFor(() => server!.stats().activeStreams === 0, 'the stream to end');
  const families = await scrape();
  assert.equal(value(families, 'streambot_http_active_streams'), 0);
  assert.ok((value(families, 'streambot_http_responses_total', { kind: 'file', status: '200' }) ?? 0) >= 2);
});

test('worker reports become per-session counters that survive a worker restart', async () => {
  supervisor.report(0, { worker: 7, blocks: 3, blockBytes: 3 * MiB, errors: 2, floodWaits: 1, heapUsedBytes: 5_000_000 });
  supervisor.report(0, { worker: 7, blocks: 5, blockBytes: 5 * MiB, errors: 2, floodWaits: 1, heapUsedBytes: 6_000_000 });
  supervisor.emitState(0, 'restarting', 'ready');
  supervisor.emitState(0, 'ready', 'restarting');
  // The new worker counts from zero again.
  supervisor.report(0, { worker: 8, blocks: 1, blockBytes: MiB, errors: 0, floodWaits: 2, heapUsedBytes: 4_000_000 });
  supervisor.emit('event', { index: 1, event: { type: 'metrics', worker: 1, blocks: 'many' } });
  supervisor.emit('event', { index: 1, event: { type: 'session', session: 'x' } });

  const families = await scrape();
  const s0 = { session: '0' };
  assert.equal(value(families, 'streambot_session_blocks_total', s0), 6);
  assert.equal(value(families, 'streambot_session_block_bytes_total', s0), 6 * MiB);
  assert.equal(value(families, 'streambot_session_errors_total', s0), 2);
  assert.equal(value(families, 'streambot_session_flood_waits_total', s0), 3);
  assert.equal(value(families, 'streambot_session_worker_heap_bytes', s0), 4_000_000);
  assert.equal(value(families, 'streambot_session_restarts_total', s0), 1);
  assert.equal(value(families, 'streambot_session_restarts_total', { session: '1' }), 0);
  assert.equal(value(families, 'streambot_session_blocks_total', { session: '1' }), 0, 'a malformed report counts nothing');
  assert.equal(records.filter((r) => /malformed metrics report/.test(String(r.msg))).length, 1);
});

test('session states and completed jobs come from the supervisor at each scrape', async () => {
  supervisor.snapshots[1]!.state = 'flood-wait';
  supervisor.snapshots[1]!.completed = 4;
  supervisor.snapshots[1]!.inFlight = 2;
  const families = await scrape();
  assert.equal(value(families, 'streambot_sessions', { state: 'flood-wait' }), 1);
  assert.equal(value(families, 'streambot_sessions', { state: 'ready' }), 1);
  assert.equal(value(families, 'streambot_session_jobs_completed_total', { session: '1' }), 4);
  assert.equal(value(families, 'streambot_session_in_flight_jobs', { session: '1' }), 2);
  supervisor.snapshots[1]!.completed = 6;
  assert.equal(value(await scrape(), 'streambot_session_jobs_completed_total', { session: '1' }), 6);
  supervisor.snapshots[1]!.state = 'ready';
});

test('block fetches through the timed supervisor land in the latency histogram by outcome', async () => {
  const timed = metrics.supervisor;
  const block = await timed.fetchBlock({ chatId: '-1001', messageId: 1, offset: 0, limit: 4096 });
  assert.equal(block.byteLength, 4096);
  await assert.rejects(timed.fetchBlock({ chatId: '-1001', messageId: 1, offset: 0, limit: 0 }), /bad block/);
  await assert.rejects(timed.fetchBlock({ chatId: '-1001', messageId: 1, offset: 0, limit: 4096 }, AbortSignal.abort()), /aborted/);
  assert.deepEqual(timed.states(), supervisor.states(), 'other methods reach the supervisor');
  assert.equal(supervisor.fetched, 1);
  const families = await scrape();
  assert.equal(value(families, 'streambot_block_fetch_duration_seconds_count', { outcome: 'ok' }), 1);
  assert.equal(value(families, 'streambot_block_fetch_duration_seconds_count', { outcome: 'error' }), 1);
  assert.equal(value(families, 'streambot_block_fetch_duration_seconds_count', { outcome: 'aborted' }), 1);
  assert.equal(value(families, 'streambot_block_fetch_duration_seconds_bucket', { outcome: 'ok', le: '+Inf' }), 1);
});

test('store operations are timed by name and outcome, through observeStore or the timed store', async () => {
  assert.deepEqual(await metrics.store.getFile('known'), { id: 'known' }, 'the timed store answers as the store');
  assert.equal(metrics.store.health().pendingCounters, 3, 'synchronous methods pass through');
  await assert.rejects(metrics.store.saveSession('k', 's'), /database unreachable/);
  assert.equal(await metrics.observeStore('sweep', async () => 42), 42);
  await assert.rejects(metrics.observeStore('sweep', async () => { throw new Error('boom'); }), /boom/);
  const families = await scrape();
  const count = (op: string, outcome: string) => value(families, 'streambot_store_operation_duration_seconds_count', { op, outcome });
  assert.equal(count('getFile', 'ok'), 1);
  assert.equal(count('saveSession', 'error'), 1);
  assert.equal(count('sweep', 'ok'), 1);
  assert.equal(count('sweep', 'error'), 1);
  assert.equal(count('health', 'ok'), undefined, 'health() is not an operation on the database');
});

test('read-ahead bytes in flight are read at each scrape', async () => {
  readAhead = 3 * MiB;
  assert.equal(value(await scrape(), 'streambot_read_ahead_in_flight_bytes'), 3 * MiB);
  readAhead = 0;
  assert.equal(value(await scrape(), 'streambot_read_ahead_in_flight_bytes'), 0);
});

test('file responses answered before a body get the status the outcome implies', () => {
  const base = { id: 'x', info: null, disposition: 'inline' as const, head: false, status: 0, firstByte: null, bytesSent: 0, aborted: false, result: 'complete' as const, failure: null };
  assert.equal(fileResponseStatus({ ...base, status: 206 }), '206');
  assert.equal(fileResponseStatus(base), '404');
  assert.equal(fileResponseStatus({ ...base, result: 'failed', failure: 'source' }), '502');
  assert.equal(fileResponseStatus({ ...base, result: 'failed', failure: 'stalled' }), '503');
  assert.equal(fileResponseStatus({ ...base, result: 'stopped' }), '429');
  assert.equal(fileResponseStatus({ ...base, result: 'aborted', aborted: true }), 'none');
});

test('close() removes its supervisor listeners; a second close does nothing', async () => {
  const m = createMetrics({ supervisor: supervisor as unknown as Supervisor, store: store as unknown as Store, http: () => server!.stats(), logger });
  assert.equal(supervisor.listenerCount('event'), 2);
  m.close();
  m.close();
  assert.equal(supervisor.listenerCount('event'), 1);
  assert.equal(supervisor.listenerCount('state'), 1);
});

test('bad options are refused with the option named', () => {
  assert.throws(() => createMetrics({ supervisor: supervisor as unknown as Supervisor, store: store as unknown as Store, http: 5 as never, logger }), /options\.http/);
  assert.throws(() => createMetrics({ supervisor: undefined as never, store: store as unknown as Store, http: () => server!.stats(), logger }), /options\.supervisor/);
});
