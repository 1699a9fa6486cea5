// Errors keep name, code and typed fields across the worker boundary; the SB_ERR_* registries are consistent
// and documented.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SbError, SbErrorCodes, RpcError, floodWait, isFloodWait, serializeError, deserializeError, type SbErrorCode } from '../actors/errors.ts';
import { StreamingError, StreamingErrorCodes, type StreamingErrorCode } from '../src/streaming/errors.ts';
import { startCluster, waitFor } from './fixtures/fake-cluster.ts';
import { FailKind } from './fixtures/fake-session-control.ts';

const roundTrip = (err: unknown) => deserializeError(structuredClone(serializeError(err)));

test('SbError and RpcError survive a structured clone with every typed field', () => {
  const sb = roundTrip(new SbError('SB_ERR_SESSION_EXITED', 'session 2 exited', { session: 2, exitCode: 1, cause: floodWait(30) }));
  assert.ok(sb instanceof SbError);
  assert.equal(sb.name, 'StreamBotError');
  assert.equal(sb.code, 'SB_ERR_SESSION_EXITED');
  assert.equal(sb.message, 'the session worker exited while the call was pending: session 2 exited');
  assert.equal(sb.session, 2);
  assert.equal(sb.exitCode, 1);
  assert.ok(isFloodWait(sb.cause));
  assert.equal((sb.cause as RpcError).seconds, 30);

  const rpc = roundTrip(new RpcError('FILE_MIGRATE', 'file is in DC 4', { dcId: 4, rpcCode: 303 }));
  assert.ok(rpc instanceof RpcError);
  assert.deepEqual([rpc.name, rpc.code, rpc.dcId, rpc.rpcCode, rpc.message], ['RpcError', 'FILE_MIGRATE', 4, 303, 'file is in DC 4']);
  assert.match(rpc.stack ?? '', /file is in DC 4/, 'the remote stack is kept');
});

test('gramjs errors are normalised: FloodWaitError → FLOOD_WAIT with seconds, RPCError → its identifier', () => {
  class FloodWaitError extends Error {
    code = 420; errorMessage = 'FLOOD'; seconds = 17; request = { className: 'upload.GetFile', toJSON: () => ({}) };
  }
  const flood = roundTrip(new FloodWaitError('A wait of 17 seconds is required'));
  assert.ok(isFloodWait(flood));
  assert.equal(flood.seconds, 17);
  assert.equal(flood.rpcCode, 420);
  assert.equal((flood as RpcError).request, undefined, 'the TL request object is not cloned');

  class RPCError extends Error { code = 400; errorMessage = 'FILE_REFERENCE_EXPIRED'; }
  const expired = roundTrip(new RPCError('400: FILE_REFERENCE_EXPIRED'));
  assert.equal(expired.name, 'RpcError');
  assert.equal((expired as RpcError).code, 'FILE_REFERENCE_EXPIRED');
  class FileMigrateError extends Error { code = 303; errorMessage = 'long text'; newDc = 2; }
  const migrate = roundTrip(new FileMigrateError('The file to be accessed is currently stored in DC 2')) as RpcError;
  assert.deepEqual([migrate.code, migrate.dcId], ['FILE_MIGRATE', 2]);
});

test('built-in error classes, unknown names, numeric codes and thrown non-errors', () => {
  const te = roundTrip(Object.assign(new TypeError('bad'), { code: 'ERR_X', detail: { a: [1, 2] } }));
  assert.ok(te instanceof TypeError);
  assert.equal((te as TypeError & { code: string }).code, 'ERR_X');
  assert.deepEqual((te as TypeError & { detail: unknown }).detail, { a: [1, 2] });
  class WeirdError extends Error { override name = 'WeirdError'; fn = () => 1; }
  const weird = roundTrip(new WeirdError('w'));
  assert.equal(weird.name, 'WeirdError');
  assert.equal((weird as Error & { fn?: unknown }).fn, undefined, 'functions are left out, not a clone failure');
  assert.equal((roundTrip(Object.assign(new Error('sys'), { code: 5 })) as Error & { code: number }).code, 5);
  assert.equal(roundTrip('just a string').message, 'just a string');
  assert.match(roundTrip({ some: 'object' }).message, /non-error value thrown: {"some":"object"}/);
  const deep = new Error('l0', { cause: new Error('l1', { cause: new Error('l2', { cause: new Error('l3', { cause: new Error('l4', { cause: new Error('l5') }) }) }) }) });
  let e: unknown = roundTrip(deep);
  let depth = 0;
  while (e instanceof Error && e.cause !== undefined) { e = e.cause; depth++; }
  assert.equal(depth, 4, 'the cause chain is cut at a fixed depth');
});

const { sup, fakes } = startCluster(1, { stallTimeoutMs: 2000, retry: { baseMs: 10, maxMs: 40 } });
after(() => sup.stop());

test('a FLOOD_WAIT thrown in a worker arrives with its seconds, rests the session and uses up no attempt', async () => {
  await sup.ready();
  fakes[0]!.floodNext(1, 3);
  const before = Date.now();
  const ctl = new AbortController();
  const job = sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 0, limit: 4096 }, ctl.signal);
  await waitFor('flood-wait', () => sup.states()[0]!.state === 'flood-wait');
  const until = sup.states()[0]!.floodUntil!;
  assert.ok(until >= before + 3000 && until <= Date.now() + 3000, 'rests for the 3 seconds the worker was told');
  assert.equal(sup.stats().queued, 1, 'waiting for the session, not failed');
  ctl.abort();
  await assert.rejects(job, { name: 'AbortError' });
});

test('a retryable request error crosses as a real RpcError; one that keeps failing gives up after stallTimeoutMs', async () => {
  await waitFor('ready again', () => sup.states()[0]!.state === 'ready', 10_000);
  fakes[0]!.failNext(100_000, FailKind.INTERNAL);
  const err = await sup.fetchBlock({ chatId: 'c', messageId: 1, offset: 0, limit: 4096 }).catch((e: unknown) => e) as SbError;
  fakes[0]!.failNext(0, FailKind.INTERNAL);
  assert.ok((err as unknown as { attempts: number }).attempts > 1, 'retried with backoff before giving up');
  assert.equal(err.code, 'SB_ERR_BLOCK_RETRIES_EXHAUSTED');
  const cause = err.cause;
  assert.ok(cause instanceof RpcError, 'a real RpcError instance on the main thread');
  assert.equal(cause.code, 'INTERNAL');
  assert.equal(cause.rpcCode, 500);
  assert.equal(cause.retryable, true);
});

test('each registry key equals its code, and docs/streaming.md lists every code', () => {
  const docs = readFileSync(new URL('../docs/streaming.md', import.meta.url), 'utf8');
  for (const code of Object.keys(SbErrorCodes) as SbErrorCode[]) {
    assert.equal(new SbError(code).code, code);
    assert.ok(docs.includes(code), `${code} documented`);
  }
  for (const code of Object.keys(StreamingErrorCodes) as StreamingErrorCode[]) {
    assert.equal(new StreamingError(code).code, code);
    assert.ok(docs.includes(code), `${code} documented`);
  }
  assert.throws(() => new SbError('SB_ERR_NOPE' as SbErrorCode), TypeError);
});
