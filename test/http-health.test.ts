// /healthz follows the health callback: 200 `ok` when healthy, 503 with a JSON reason and Retry-After when not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHttpServer, isHttpError, RETRY_AFTER_S, type HttpServerOptions } from '../src/http/index.ts';
import { request } from './support/http-client.ts';
import { recordingLogger, type LogRecord } from './support/http-logger.ts';
import { MemorySource } from './support/http-memory-source.ts';

async function withServer(health: HttpServerOptions['health'], run: (port: number, records: LogRecord[]) => Promise<void>): Promise<void> {
  const { logger, records } = recordingLogger();
  const s = await createHttpServer({ source: new MemorySource(), host: '127.0.0.1', port: 0, logger, health });
  try {
    await run(s.port, records);
  } finally {
    await s.close();
  }
}

test('without a health callback /healthz is always 200 ok', async () => {
  await withServer(undefined, async (port) => {
    const r = await request(port, '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'ok');
  });
});

test('/healthz follows the callback: 503 with a JSON reason and Retry-After, then 200 again', async () => {
  let state: { ok: boolean; detail?: Record<string, unknown> } = { ok: false, detail: { sessions: 0, store: 'degraded' } };
  await withServer(() => state, async (port) => {
    const bad = await request(port, '/healthz');
    assert.equal(bad.status, 503);
    assert.equal(bad.headers['retry-after'], String(RETRY_AFTER_S));
    assert.equal(bad.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(bad.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(bad.body.toString()), { ok: false, detail: { sessions: 0, store: 'degraded' } });

    const head = await request(port, '/healthz', { method: 'HEAD' });
    assert.equal(head.status, 503);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(bad.body.length));

    state = { ok: true, detail: { sessions: 2 } };
    const good = await request(port, '/healthz');
    assert.equal(good.status, 200);
    assert.equal(good.body.toString(), 'ok', 'a healthy answer stays the plain ok that probes expect');
  });
});

test('a health callback that throws or returns junk is a 503, logged', async () => {
  await withServer(() => {
    throw new Error('probe broke');
  }, async (port, records) => {
    const r = await request(port, '/healthz');
    assert.equal(r.status, 503);
    assert.equal(JSON.parse(r.body.toString()).ok, false);
    assert.ok(records.some((x) => x.level === 'error' && /health callback threw/.test(x.msg)));
  });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  await withServer(() => ({ ok: false, detail: circular }), async (port) => {
    const r = await request(port, '/healthz');
    assert.equal(r.status, 503);
    assert.equal(JSON.parse(r.body.toString()).ok, false);
  });
  await withServer(() => null as never, async (port) => {
    assert.equal((await request(port, '/healthz')).status, 503);
  });
});

test('options.health must be a function', async () => {
  await assert.rejects(createHttpServer({ source: new MemorySource(), port: 0, health: 'yes' as never }), (err: unknown) => {
    assert.ok(isHttpError(err, 'SB_ERR_HTTP_INVALID_OPTION'));
    assert.match((err as Error).message, /options\.health/);
    return true;
  });
});
