// Faults for resilience tests: a stalled DC, a restarted DC, a revoked bot, 500-class errors, a flood storm, and the
// network's own (delayed and reordered answers, split writes, -429, a reset mid-packet),
// each met by an unmodified gramjs client.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import bigInt from 'big-integer';
import { Api, errors, type TelegramClient } from 'telegram';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { startControlServer } from '../src/sandbox/control-http.ts';
import { controlClient } from '../src/sandbox/control-client.ts';
import { waitFor } from './support/http-client.ts';
import { closeClient, connectBot } from './support/sandbox-client.ts';
import { CONSTRUCTORS, FullTransport, WireSession } from './support/session-wire.ts';
import { endpointOf } from '../src/sandbox/sandbox.ts';

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bot = control.createBot({ username: 'faults_bot' });
const logChannel = control.createChannel({ title: 'log', admins: [bot.id] });
const onDc1 = control.postFile(logChannel.id, { fileName: 'one.bin', size: 64 * 1024, dcId: 1 });
let client: TelegramClient;

before(async () => {
  client = await connectBot(sandbox, bot.token);
});
after(async () => {
  if (client) await closeClient(client);
  await sandbox.stop();
});

const inputChannel = (channel = logChannel) => new Api.InputChannel({ channelId: BigInt(channel.id) as any, accessHash: BigInt(channel.accessHash) as any });

async function documentOf(c: TelegramClient, messageId: number, channel = logChannel): Promise<Api.Document> {
  const res = (await c.invoke(new Api.channels.GetMessages({ channel: inputChannel(channel), id: [new Api.InputMessageID({ id: messageId })] }))) as Api.messages.ChannelMessages;
  return ((res.messages[0] as Api.Message).media as Api.MessageMediaDocument).document as Api.Document;
}

async function getFile(c: TelegramClient, doc: Api.Document, dcId?: number): Promise<Api.upload.File> {
  return (await c.invoke(new Api.upload.GetFile({
    location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }),
    offset: bigInt(0),
    limit: 4096,
  }), dcId)) as Api.upload.File;
}

/** A fault that is never lifted leaves gramjs waiting forever: fail the test instead of hanging the suite. */
const bounded = { timeout: 60_000 };
const requests = (method: string) => control.counters().requests[method] ?? 0;
const isRpcError = (code: number, message: string) => (err: any) => err instanceof errors.RPCError && err.code === code && err.errorMessage === message;

test('freezeDc holds requests and pings on open connections and answers them when the freeze ends', bounded, async () => {
  const before = control.counters();
  try {
    control.freezeDc(1, 60_000);
    assert.equal(control.dcState(1).frozen, true);
    assert.equal(control.dcState(2).frozen, false);
    let settled = false;
    const answer = documentOf(client, onDc1.messageId).finally(() => { settled = true; });
    const pong = client.invoke(new Api.Ping({ pingId: bigInt(7) }));
    await waitFor(() => control.dcState(1).heldPackets >= 1, 'the frozen DC to hold the request and the ping (one packet when gramjs puts them in one container)');
    assert.equal(requests('channels.GetMessages'), before.requests['channels.GetMessages'] ?? 0, 'a frozen DC handles nothing');
    assert.equal(settled, false);

    control.freezeDc(1, 0);
    assert.equal((await answer).id.toString(), (await documentOf(client, onDc1.messageId)).id.toString());
    assert.equal(String((await pong).pingId), '7');
    const now = control.counters();
    assert.equal(now.connections, before.connections, 'the connection stayed open through the freeze');
    assert.equal(now.handshakes, before.handshakes);
    assert.ok(now.heldPackets - before.heldPackets >= 1);
    assert.deepEqual({ ...control.dcState(1), connections: 0 }, { listening: true, frozen: false, frozenMsLeft: 0, connections: 0, heldPackets: 0 });
  } finally {
    control.freezeDc(undefined, 0);
  }
});

test('freezeDc(undefined, ms) freezes every DC and the freeze ends by itself', bounded, async () => {
  try {
    control.freezeDc(undefined, 300);
    assert.ok(sandbox.dcs.every((dc) => control.dcState(dc.id).frozen));
    assert.ok(control.dcState(2).frozenMsLeft > 0);
    const doc = await documentOf(client, onDc1.messageId);
    assert.equal(Number(doc.size), onDc1.size);
    assert.ok(sandbox.dcs.every((dc) => !control.dcState(dc.id).frozen));
  } finally {
    control.freezeDc(undefined, 0);
  }
  assert.throws(() => control.freezeDc(1, -1), /ms must be a number ≥ 0/);
  assert.throws(() => control.freezeDc(9, 100), /no DC 9/);
});

test('restartDc closes connections, refuses new ones while down, listens on the same port again, and keeps auth keys and logins', bounded, async () => {
  const port = control.info().ports[1]!;
  const before = control.counters();
  const restarted = control.restartDc(1, 500);
  try {
    assert.equal(control.dcState(1).listening, false);
    assert.equal(control.dcState(1).connections, 0);
    const refused = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(undefined); });
      socket.once('error', resolve);
    });
    assert.equal(refused?.code, 'ECONNREFUSED');
  } finally {
    await restarted;
  }
  assert.equal(control.dcState(1).listening, true);
  assert.equal(control.info().ports[1], port);
  const doc = await documentOf(client, onDc1.messageId);
  assert.equal(Number(doc.size), onDc1.size);
  const now = control.counters();
  assert.equal(now.restarts, before.restarts + 1);
  assert.ok(now.connections > before.connections, 'gramjs reconnected');
  assert.equal(now.handshakes, before.handshakes, 'the auth key survived the restart');
  assert.equal(now.logins, before.logins, 'the login survived the restart');
});

test('restartDc(undefined, ms): a request sent while every DC is down is answered after they come back', bounded, async () => {
  const restarted = control.restartDc(undefined, 300);
  const answer = documentOf(client, onDc1.messageId);
  await restarted;
  assert.ok(sandbox.dcs.every((dc) => control.dcState(dc.id).listening));
  assert.equal(Number((await answer).size), onDc1.size);
});

test('revokeBot: every auth key of the bot, its own login and an imported one, answers 401 AUTH_KEY_UNREGISTERED until it logs in again', bounded, async () => {
  const revoked = control.createBot({ username: 'revoked_bot' });
  const channel = control.createChannel({ title: 'revoked log', admins: [revoked.id] });
  const onDc2 = control.postFile(channel.id, { fileName: 'two.bin', size: 8192, dcId: 2 });
  let c: TelegramClient | undefined;
  try {
    c = await connectBot(sandbox, revoked.token);
    const doc = await documentOf(c, onDc2.messageId, channel);
    assert.equal((await getFile(c, doc, 2)).bytes.length, 4096, 'authorized on DC 2 through an imported authorization');
    const before = control.counters();

    const result = control.revokeBot(revoked.id);
    assert.ok(result.authKeys >= 2, `revoked the login on DC 1 and the import on DC 2 (${result.authKeys})`);
    assert.equal(result.token, revoked.token);
    assert.equal(control.counters().revokedAuthorizations, before.revokedAuthorizations + result.authKeys);
    await assert.rejects(documentOf(c, onDc2.messageId, channel), isRpcError(401, 'AUTH_KEY_UNREGISTERED'));
    await assert.rejects(getFile(c, doc, 2), isRpcError(401, 'AUTH_KEY_UNREGISTERED'));
    await assert.rejects(c.invoke(new Api.updates.GetState()), isRpcError(401, 'AUTH_KEY_UNREGISTERED'));

    await c.invoke(new Api.auth.ImportBotAuthorization({ flags: 0, apiId: 1, apiHash: 'sandbox-hash', botAuthToken: revoked.token }));
    assert.equal(control.counters().logins, before.logins + 1);
    const again = await documentOf(c, onDc2.messageId, channel);
    // gramjs keeps its DC 2 sender and that key's lost authorization: the client imports one again itself.
    await assert.rejects(getFile(c, again, 2), isRpcError(401, 'AUTH_KEY_UNREGISTERED'));
    const exported = (await c.invoke(new Api.auth.ExportAuthorization({ dcId: 2 }))) as Api.auth.ExportedAuthorization;
    await c.invoke(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes }), 2);
    assert.equal((await getFile(c, again, 2)).bytes.length, 4096, 'DC 2 works again on the same key');
    assert.equal(control.counters().handshakes, before.handshakes);
    // The main bot was not touched.
    assert.equal(Number((await documentOf(client, onDc1.messageId)).size), onDc1.size);
  } finally {
    if (c) await closeClient(c);
  }
});

test('revokeBot with resetToken: the old token answers ACCESS_TOKEN_INVALID, the new one logs in', bounded, async () => {
  const revoked = control.createBot({ username: 'reset_bot' });
  const channel = control.createChannel({ title: 'reset log', admins: [revoked.id] });
  const posted = control.postFile(channel.id, { fileName: 'r.bin', size: 4096 });
  let c: TelegramClient | undefined;
  try {
    c = await connectBot(sandbox, revoked.token);
    const { token } = control.revokeBot(revoked.id, { resetToken: true });
    assert.notEqual(token, revoked.token);
    assert.match(token, new RegExp(`^${revoked.id}:`));
    await assert.rejects(documentOf(c, posted.messageId, channel), isRpcError(401, 'AUTH_KEY_UNREGISTERED'));
    const login = (botAuthToken: string) => c!.invoke(new Api.auth.ImportBotAuthorization({ flags: 0, apiId: 1, apiHash: 'sandbox-hash', botAuthToken }));
    await assert.rejects(login(revoked.token), isRpcError(400, 'ACCESS_TOKEN_INVALID'));
    await login(token);
    assert.equal(Number((await documentOf(c, posted.messageId, channel)).size), 4096);
  } finally {
    if (c) await closeClient(c);
  }
  assert.throws(() => control.revokeBot(control.createUser({ firstName: 'Nobot' }).id), /not a bot/);
});

test('failNext with a 500-class error: INTERNAL reaches the caller as RPCError 500 without a retry; RPC_CALL_FAIL is retried by gramjs', bounded, async () => {
  const doc = await documentOf(client, onDc1.messageId);
  const internals = () => control.counters().errors['INTERNAL'] ?? 0;
  let unserved = 0;
  try {
    control.failNext('upload.GetFile', 1, { code: 500, message: 'INTERNAL' }, bot.id);
    let before = requests('upload.GetFile');
    const internalsBefore = internals();
    await assert.rejects(getFile(client, doc), (err: any) => isRpcError(500, 'INTERNAL')(err) && !(err instanceof errors.ServerError));
    assert.equal(requests('upload.GetFile'), before + 1, 'gramjs did not retry INTERNAL');
    assert.equal(internals(), internalsBefore + 1);
    assert.equal((await getFile(client, doc)).bytes.length, 4096);

    // gramjs sleeps 2 s and resends on RPC_CALL_FAIL (client/users.js invoke), so the caller never sees it.
    control.failNext('upload.GetFile', 1, { code: 500, message: 'RPC_CALL_FAIL' }, bot.id);
    before = requests('upload.GetFile');
    assert.equal((await getFile(client, doc)).bytes.length, 4096);
    assert.equal(requests('upload.GetFile'), before + 2);

    control.failNext('upload.GetFile', 200, { code: 500, message: 'INTERNAL' }, bot.id);
    await assert.rejects(getFile(client, doc), isRpcError(500, 'INTERNAL'));
  } finally {
    unserved = control.clearFailures('upload.GetFile');
  }
  assert.equal(unserved, 199);
  assert.equal((await getFile(client, doc)).bytes.length, 4096, 'clearFailures reverted failNext');
});

test('a flood storm: every FLOOD_WAIT_X has X ≥ 1 and is counted', bounded, async () => {
  const doc = await documentOf(client, onDc1.messageId);
  const before = control.counters();
  const calls = 8;
  try {
    control.setFloodPolicy('upload.GetFile', { perSecond: 0.1, burst: 2 });
    const results = await Promise.allSettled(Array.from({ length: calls }, () => getFile(client, doc)));
    const waits = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    assert.ok(waits.length >= 1, 'the storm met FLOOD_WAIT');
    for (const err of waits) {
      assert.ok(err instanceof errors.FloodWaitError, `expected FloodWaitError, got ${err}`);
      assert.ok(Number.isInteger(err.seconds) && err.seconds >= 1, `FLOOD_WAIT_${err.seconds}`);
    }
    const now = control.counters();
    assert.equal(now.floodWaits - before.floodWaits, waits.length);
    const floodMessages = Object.keys(now.errors).filter((m) => m.startsWith('FLOOD'));
    for (const m of floodMessages) assert.match(m, /^FLOOD_WAIT_[1-9]\d*$/);
    const floodErrors = (c: typeof now) => Object.entries(c.errors).filter(([m]) => m.startsWith('FLOOD_WAIT_')).reduce((n, [, v]) => n + v, 0);
    assert.equal(floodErrors(now) - floodErrors(before), waits.length);
    assert.equal(now.requests['upload.GetFile']! - (before.requests['upload.GetFile'] ?? 0), calls);
  } finally {
    control.setFloodPolicy('upload.GetFile', null);
  }
  assert.throws(() => control.setFloodPolicy('upload.GetFile', { perSecond: 0, burst: 1 }), /perSecond must be a positive number/);
  assert.equal((await getFile(client, doc)).bytes.length, 4096);
});

test('the fault methods work over the HTTP control form', bounded, async () => {
  const { server, url } = await startControlServer(control);
  const remote = controlClient(url);
  const extra = control.createBot({ username: 'http_faults_bot' });
  try {
    await remote.freezeDc(undefined, 60_000);
    assert.equal((await remote.dcState(2)).frozen, true);
    await remote.freezeDc(undefined, 0);
    assert.equal((await remote.dcState(2)).frozen, false);
    await remote.restartDc(2, 50);
    assert.equal((await remote.dcState(2)).listening, true);
    assert.deepEqual(await remote.revokeBot(extra.id), { authKeys: 0, token: extra.token });
    await remote.failNext('upload.GetFile', 3, { code: 500, message: 'INTERNAL' }, extra.id);
    assert.equal(await remote.clearFailures(), 3);
    await assert.rejects(remote.restartDc(7, 10), /no DC 7/);
    await remote.delayAnswers(2, { minMs: 1, maxMs: 5 });
    await remote.splitWrites(2, { pieces: 4 });
    await remote.limitConnections(2, 10);
    await remote.resetMidPacket(2, 2);
    assert.deepEqual(await remote.faultState(2), {
      delayAnswers: { minMs: 1, maxMs: 5 }, splitWrites: { pieces: 4, gapMs: 2 }, connectionLimit: 10, refusedConnections: 0,
      resetsPending: 2, resetsDone: 0, reorderedAnswers: 0, containersSent: 0,
    });
    await assert.rejects(remote.limitConnections(2, -1), /n must be an integer ≥ 0/);
  } finally {
    for (const dc of [1, 2]) {
      control.delayAnswers(dc, null);
      control.splitWrites(dc, null);
      control.limitConnections(dc, null);
      control.resetMidPacket(dc, 0);
    }
    control.freezeDc(undefined, 0);
    control.clearFailures();
    server.close();
  }
});

// ── faults of the network itself ───────────────────────────────────────
const bigFile = control.postFile(logChannel.id, { fileName: 'big.bin', size: 512 * 1024, dcId: 1 });

async function partAt(c: TelegramClient, doc: Api.Document, offset: number, limit = 65536): Promise<Buffer> {
  const res = (await c.invoke(new Api.upload.GetFile({
    location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }),
    offset: bigInt(offset),
    limit,
  }))) as Api.upload.File;
  return Buffer.from(res.bytes);
}

async function downloadParts(c: TelegramClient, parts = 8): Promise<void> {
  const doc = await documentOf(c, bigFile.messageId);
  const got = await Promise.all(Array.from({ length: parts }, (_, i) => partAt(c, doc, i * 65536)));
  assert.ok(Buffer.concat(got).equals(control.fileBytes(bigFile.documentId, 0, parts * 65536)), 'the parts arrive byte-exact');
}

test('delayAnswers: answers to parallel requests come back out of order and gramjs matches each to its request', bounded, async () => {
  const before = control.faultState(1).reorderedAnswers;
  try {
    control.delayAnswers(1, { minMs: 0, maxMs: 60 });
    assert.deepEqual(control.faultState(1).delayAnswers, { minMs: 0, maxMs: 60 });
    // 8 answers delayed independently come back in request order once in 8! runs; three rounds make that negligible.
    for (let round = 0; round < 3; round++) await downloadParts(client);
    assert.ok(control.faultState(1).reorderedAnswers > before, 'some answer overtook an earlier one');
  } finally {
    control.delayAnswers(1, null);
  }
  assert.throws(() => control.delayAnswers(1, { minMs: 50, maxMs: 10 }), /minMs ≤ maxMs/);
});

test('splitWrites: answers travel in msg_containers written as several TCP writes cut mid-packet, and gramjs reads them', bounded, async () => {
  const before = control.faultState(1).containersSent;
  try {
    control.splitWrites(1, { pieces: 5, gapMs: 1 });
    await downloadParts(client);
    const pong = (await client.invoke(new Api.Ping({ pingId: bigInt(42) }))) as Api.Pong;
    assert.equal(String(pong.pingId), '42');
    assert.ok(control.faultState(1).containersSent > before, 'answers and acks of one tick went out in a container');
  } finally {
    control.splitWrites(1, null);
  }
  assert.throws(() => control.splitWrites(1, { pieces: 1 }), /pieces must be an integer from 2 to 64/);
});

test('resetMidPacket: the answer is cut half-way and the connection reset; gramjs reconnects, resends and gets its answer', bounded, async () => {
  const before = control.counters();
  control.resetMidPacket(1);
  assert.equal(control.faultState(1).resetsPending, 1);
  await downloadParts(client, 2);
  const state = control.faultState(1);
  assert.equal(state.resetsPending, 0);
  assert.ok(state.resetsDone >= 1);
  assert.ok(control.counters().connections > before.connections, 'gramjs opened a new connection after the reset');
});

test('limitConnections: the connection over the limit gets transport error -429 and is closed; gramjs retries and connects once there is room', bounded, async () => {
  const open = control.dcState(1).connections;
  control.limitConnections(1, open);
  let second: TelegramClient | undefined;
  try {
    const connecting = connectBot(sandbox, bot.token);
    await waitFor(() => control.faultState(1).refusedConnections >= 1, 'a connection refused with -429');
    assert.equal(control.dcState(1).connections, open, 'the refused connection is not kept');
    control.limitConnections(1, null);
    second = await connecting;
    const cfg = (await second.invoke(new Api.help.GetConfig())) as Api.Config;
    assert.equal(cfg.thisDc, 1);
  } finally {
    control.limitConnections(1, null);
    if (second) await closeClient(second);
  }
});

test('on the wire: the connection over the limit reads one packet holding -429 in its transport, then the socket closes', bounded, async () => {
  const ep = endpointOf(sandbox);
  control.limitConnections(2, 0);
  try {
    const t = await FullTransport.open(ep.host, ep.ports[2]!);
    // The server frames the error in the client's transport, which the client's first bytes tell.
    const head = Buffer.alloc(20);
    head.writeBigInt64LE(BigInt(Math.floor(Date.now() / 1000)) << 32n, 8);
    const body = new Api.ReqPqMulti({ nonce: bigInt(12345) }).getBytes();
    head.writeInt32LE(body.length, 16);
    t.send(Buffer.concat([head, body]));
    const packet = await t.recv();
    assert.equal(packet.length, 4);
    assert.equal(packet.readInt32LE(0), -429);
    await waitFor(() => t.closed, 'the refused socket to close');
  } finally {
    control.limitConnections(2, null);
  }
});

test('on the wire: split writes still frame whole packets, and answers of one tick share a msg_container', bounded, async () => {
  const ep = endpointOf(sandbox);
  const s = await WireSession.open(ep.host, ep.ports[2]!, { n: BigInt(ep.rsa.n), e: ep.rsa.e, fingerprint: ep.rsa.fingerprint }, 2);
  try {
    control.splitWrites(2, { pieces: 6, gapMs: 1 });
    const before = control.faultState(2).containersSent;
    s.send(new Api.Ping({ pingId: bigInt(3) }));
    const call = s.send(new Api.help.GetConfig());
    await s.result(call);
    await s.waitFor((m) => m.body.readUInt32LE(0) === CONSTRUCTORS.pong, 'pong');
    assert.ok(control.faultState(2).containersSent > before, 'new_session_created, pong, acks and the answer went out in containers');
  } finally {
    control.splitWrites(2, null);
    s.close();
  }
});

test('on the wire: resetMidPacket delivers half a packet and resets the connection', bounded, async () => {
  const ep = endpointOf(sandbox);
  const s = await WireSession.open(ep.host, ep.ports[2]!, { n: BigInt(ep.rsa.n), e: ep.rsa.e, fingerprint: ep.rsa.fingerprint }, 2);
  const before = control.faultState(2).resetsDone;
  try {
    control.resetMidPacket(2);
    const call = s.send(new Api.help.GetConfig());
    await assert.rejects(s.result(call), /connection closed/);
    assert.ok(s.transport.partialBytes > 0, 'part of the answer arrived');
    assert.equal(control.faultState(2).resetsDone, before + 1);
  } finally {
    control.resetMidPacket(2, 0);
    s.close();
  }
});
