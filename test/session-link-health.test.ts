// The real session worker (gramjs against an in-process sandbox DC), spoken to over comlink exactly as the
// supervisor does (the worker shim, serialized errors): a DC that restarts fails the calls in flight on it at once,
// fails new ones while it is down, is reported down and up, and is used again without restarting the worker; a
// revoked bot fails with authRevoked and logs in again from its stale saved session; a refused token is fatal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Worker, MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import * as Comlink from 'comlink';
import { Sandbox, endpointOf } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { nodeEndpoint } from '../actors/session/comlink-node.ts';
import { deserializeError } from '../actors/errors.ts';
import type { SessionWorkerData } from '../actors/session/worker-side.ts';
import type { BlockRequest, BotApi, SessionApi, SessionEvent, TelegramSessionSpec } from '../actors/session/protocol.ts';
import { waitFor } from './support/http-client.ts';

const SHIM = new URL('../actors/worker-shim.mjs', import.meta.url);
const ENTRY = fileURLToPath(new URL('../actors/session/worker.ts', import.meta.url));
const MiB = 1024 * 1024;

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const sessions: Session[] = [];
after(async () => {
  for (const s of sessions) await s.close();
  await sandbox.stop();
});

type Api = SessionApi & BotApi;
interface Session {
  events: SessionEvent[];
  call<M extends keyof Api>(method: M, ...args: Parameters<Api[M]>): Promise<Awaited<ReturnType<Api[M]>>>;
  close(): Promise<void>;
}

function spawnSession(spec: Partial<TelegramSessionSpec> & { botToken: string }): Session {
  const { port1, port2 } = new MessageChannel();
  const events: SessionEvent[] = [];
  port1.on('message', (e: SessionEvent) => events.push(e));
  const workerData: SessionWorkerData = { entry: ENTRY, index: 0, session: { apiId: 1, apiHash: 'sandbox', sandbox: endpointOf(sandbox), ...spec }, events: port2 };
  const worker = new Worker(SHIM, { workerData, transferList: [port2] });
  const remote = Comlink.wrap<Api>(nodeEndpoint(worker as Parameters<typeof nodeEndpoint>[0]));
  let closed = false;
  const session: Session = {
    events,
    async call(method, ...args) {
      try {
        return await (remote[method] as unknown as (...a: unknown[]) => Promise<never>)(...args);
      } catch (raw) {
        throw deserializeError(raw);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.race([session.call('stop').catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
      port1.close();
      await worker.terminate();
    },
  };
  sessions.push(session);
  return session;
}

const linkEvents = (s: Session) => s.events.filter((e): e is Extract<SessionEvent, { type: 'link' }> => e.type === 'link');
const savedSessions = (s: Session) => s.events.filter((e): e is Extract<SessionEvent, { type: 'session' }> => e.type === 'session').map((e) => e.session);

function rejectsWith(promise: Promise<unknown>, fields: Record<string, unknown>): Promise<Error & Record<string, unknown>> {
  return promise.then(
    () => assert.fail(`resolved; expected a rejection with ${JSON.stringify(fields)}`),
    (err: Error & Record<string, unknown>) => {
      for (const [k, v] of Object.entries(fields)) assert.equal(err[k], v, `${k} of ${err.name} ${String(err.code)}: ${err.message}`);
      return err;
    },
  );
}

test('a DC restart fails the calls in flight at once, fails new ones while it is down, and the DC is used again once back', async () => {
  const bot = control.createBot({ username: 'restart_bot' });
  const user = control.createUser({ firstName: 'Uma' });
  const channel = control.createChannel({ title: 'log', admins: [bot.id] });
  const chatId = `-100${channel.id}`;
  const file = control.postFile(channel.id, { fileName: 'r.bin', size: 8 * MiB });
  const block = (i: number): BlockRequest => ({ chatId, messageId: file.messageId, offset: i * MiB, limit: MiB });
  const s = spawnSession({ botToken: bot.token, receiveUpdates: true });
  await s.call('start');
  assert.equal(Buffer.from(await s.call('fetchBlock', block(0))).equals(control.fileBytes(file.documentId, 0, MiB)), true);

  let restartEnded = false;
  try {
    // The DC holds each answer for a while, so these are surely in flight when it goes down.
    control.setLatency(1, 30_000);
    const before = sandbox.counters.requests['upload.GetFile'] ?? 0;
    const inFlight = [1, 2, 3].map((i) => s.call('fetchBlock', block(i)));
    inFlight.forEach((p) => p.catch(() => {}));
    await waitFor(() => (sandbox.counters.requests['upload.GetFile'] ?? 0) >= before + 3, 'the three requests reach the DC', 5000);

    const restart = control.restartDc(undefined, 3000).then(() => { restartEnded = true; });
    for (const p of inFlight) {
      await rejectsWith(p, { code: 'DC_UNREACHABLE', dcId: 1, retryable: true, sessionFault: true });
      assert.equal(restartEnded, false, 'the call failed before the DC came back, not after');
    }
    await waitFor(() => linkEvents(s).some((e) => e.state === 'down'), 'a link down event', 2000);
    // While the DC is down, calls needing it fail at once.
    await rejectsWith(s.call('fetchBlock', block(4)), { code: 'DC_UNREACHABLE', dcId: 1, sessionFault: true });
    await rejectsWith(s.call('resolveFile', chatId, file.messageId), { code: 'DC_UNREACHABLE', dcId: 1 });
    assert.equal(restartEnded, false, 'the DC was still down while those calls failed');
    assert.equal(await s.call('ping').then((t) => typeof t), 'number', 'the thread still answers its liveness probe');

    await restart;
    control.setLatency(1, 0);
    await waitFor(() => linkEvents(s).at(-1)?.state === 'up', 'a link up event after the restart', 10_000);
    assert.deepEqual(linkEvents(s).map((e) => [e.dcId, e.state]), [[1, 'down'], [1, 'up']]);
    const again = await s.call('fetchBlock', block(5));
    assert.ok(Buffer.from(again).equals(control.fileBytes(file.documentId, 5 * MiB, MiB)), 'the same worker serves the DC again, byte-exact');
    // Updates flow on the new connection too.
    control.userSendsText(user.id, bot.id, 'still there?');
    await waitFor(() => s.events.some((e) => e.type === 'update' && e.update.kind === 'message' && e.update.text === 'still there?'), 'the update after the reconnect', 5000);
  } finally {
    control.setLatency(1, 0);
    if (!restartEnded) await control.restartDc(undefined, 0).catch(() => {});
    await s.close();
  }
});

test('a download DC other than home goes down and up on its own; the home DC stays up', async () => {
  const bot = control.createBot({ username: 'dc2_bot' });
  const channel = control.createChannel({ title: 'log2', admins: [bot.id] });
  const chatId = `-100${channel.id}`;
  const file = control.postFile(channel.id, { fileName: 'd2.bin', size: 2 * MiB, dcId: 2 });
  const block = (i: number): BlockRequest => ({ chatId, messageId: file.messageId, offset: i * MiB, limit: MiB });
  const s = spawnSession({ botToken: bot.token });
  await s.call('start');
  await s.call('fetchBlock', block(0));
  let restartEnded = false;
  try {
    control.setLatency(2, 30_000);
    const before = sandbox.counters.requests['upload.GetFile'] ?? 0;
    const pending = s.call('fetchBlock', block(1));
    pending.catch(() => {});
    await waitFor(() => (sandbox.counters.requests['upload.GetFile'] ?? 0) > before, 'the request reaches DC 2', 5000);
    const restart = control.restartDc(2, 3000).then(() => { restartEnded = true; });
    await rejectsWith(pending, { code: 'DC_UNREACHABLE', dcId: 2, retryable: true, sessionFault: true });
    assert.equal(restartEnded, false);
    // The home DC is not affected: metadata still resolves.
    assert.equal((await s.call('resolveFile', chatId, file.messageId)).size, file.size);
    await restart;
    control.setLatency(2, 0);
    await waitFor(() => linkEvents(s).at(-1)?.state === 'up', 'DC 2 up again', 10_000);
    assert.deepEqual(linkEvents(s).map((e) => [e.dcId, e.state]), [[2, 'down'], [2, 'up']]);
    assert.ok(Buffer.from(await s.call('fetchBlock', block(1))).equals(control.fileBytes(file.documentId, MiB, MiB)));
  } finally {
    control.setLatency(2, 0);
    if (!restartEnded) await control.restartDc(2, 0).catch(() => {});
    await s.close();
  }
});

test('a revoked bot fails with authRevoked; started again from its stale saved session it logs in anew; a refused token is fatal', async () => {
  const bot = control.createBot({ username: 'revoked_bot' });
  const channel = control.createChannel({ title: 'log3', admins: [bot.id] });
  const chatId = `-100${channel.id}`;
  const file = control.postFile(channel.id, { fileName: 'v.bin', size: 2 * MiB });
  const block: BlockRequest = { chatId, messageId: file.messageId, offset: MiB, limit: MiB };

  const first = spawnSession({ botToken: bot.token });
  await first.call('start');
  await first.call('fetchBlock', block);
  const stale = savedSessions(first).at(-1);
  assert.ok(stale, 'the first login posted its saved session');

  control.revokeBot(bot.id);
  await rejectsWith(first.call('fetchBlock', { ...block, offset: 0 }), { code: 'AUTH_KEY_UNREGISTERED', authRevoked: true, retryable: true, sessionFault: true });
  await rejectsWith(first.call('sendMessage', { chatId: bot.id, text: 'x' }), { authRevoked: true });
  await first.close();

  const logins = sandbox.counters.logins;
  const second = spawnSession({ botToken: bot.token, session: stale });
  assert.equal((await second.call('start')).botId, bot.id);
  assert.equal(sandbox.counters.logins, logins + 1, 'logged in again with the token');
  const fresh = savedSessions(second).at(-1);
  assert.ok(fresh && fresh !== stale, 'the new saved session was posted');
  assert.ok(Buffer.from(await second.call('fetchBlock', block)).equals(control.fileBytes(file.documentId, MiB, MiB)));
  await second.close();

  // The token itself replaced: the stale session and the old token cannot log in, and retrying cannot help.
  control.revokeBot(bot.id, { resetToken: true });
  const third = spawnSession({ botToken: bot.token, session: fresh });
  await rejectsWith(third.call('start'), { code: 'ACCESS_TOKEN_INVALID', fatal: true, retryable: false });
  await third.close();
});

test('500-class errors and TIMEOUT are retryable but not the session\'s fault; FLOOD_WAIT keeps its seconds', async () => {
  const bot = control.createBot({ username: 'errors_bot' });
  const channel = control.createChannel({ title: 'log4', admins: [bot.id] });
  const chatId = `-100${channel.id}`;
  const file = control.postFile(channel.id, { fileName: 'e.bin', size: MiB });
  const block: BlockRequest = { chatId, messageId: file.messageId, offset: 0, limit: MiB };
  const s = spawnSession({ botToken: bot.token });
  await s.call('start');
  try {
    control.failNext('upload.GetFile', 1, { code: 500, message: 'INTERNAL' }, bot.id);
    await rejectsWith(s.call('fetchBlock', block), { code: 'INTERNAL', rpcCode: 500, retryable: true, sessionFault: false });
    control.failNext('upload.GetFile', 1, { code: -503, message: 'TIMEOUT' }, bot.id);
    await rejectsWith(s.call('fetchBlock', block), { code: 'TIMEOUT', retryable: true, sessionFault: false });
    control.failNext('upload.GetFile', 1, { code: 420, message: 'FLOOD_WAIT_7' }, bot.id);
    await rejectsWith(s.call('fetchBlock', block), { code: 'FLOOD_WAIT', seconds: 7, retryable: true });
    assert.ok(Buffer.from(await s.call('fetchBlock', block)).equals(control.fileBytes(file.documentId, 0, MiB)));
  } finally {
    control.clearFailures();
    await s.close();
  }
});
