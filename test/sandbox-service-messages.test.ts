// MTProto service messages and unreadable requests on the wire, with messages built by hand (not through gramjs):
// core.telegram.org/mtproto/service_messages, /mtproto/service_messages_about_messages, /api/errors, /api/invoking.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import bigInt from 'big-integer';
import { Api } from 'telegram';
import { Sandbox, endpointOf } from '../src/sandbox/sandbox.ts';
import { LAYER } from '../src/sandbox/tl.ts';
import {
  CONSTRUCTORS, WireSession, constructorOf, factorPq, readTl, rpcErrorOf, rpcResultOf, type ServerRsaKey, type WireMessage,
} from './support/session-wire.ts';

const sandbox = await new Sandbox().start();
const ep = endpointOf(sandbox);
const rsa: ServerRsaKey = { n: BigInt(ep.rsa.n), e: ep.rsa.e, fingerprint: ep.rsa.fingerprint };
let s: WireSession;

before(async () => {
  s = await WireSession.open(ep.host, ep.ports[1]!, rsa);
});
after(async () => {
  s?.close();
  await sandbox.stop();
});

const is = (id: number) => (m: WireMessage) => constructorOf(m) === id;
const tl = (m: WireMessage) => readTl(m.body);
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n >>> 0, 0); return b; };
const i32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32LE(n, 0); return b; };

async function errorFor(session: WireSession, msgId: bigint): Promise<{ code: number; message: string }> {
  const { result } = await session.result(msgId);
  const err = rpcErrorOf(result);
  assert.ok(err, `an rpc_error answers ${msgId}`);
  return err;
}

/** A ping answered proves the connection is still up and the session usable. */
async function stillUp(session: WireSession): Promise<void> {
  const pingId = BigInt(Date.now());
  session.send(new Api.Ping({ pingId: bigInt(pingId) }));
  await session.waitFor((m) => constructorOf(m) === CONSTRUCTORS.pong && BigInt(tl(m).pingId.toString()) === pingId, 'pong');
}

test('factorPq splits a product of two primes', () => {
  assert.deepEqual(factorPq(1724114033281923457n), [1229739323n, 1402015859n]);
});

test('the handshake driven by hand yields a key the DC accepts; the first message of a session gets new_session_created before the answer', async () => {
  const id = s.send(new Api.help.GetConfig());
  const { message } = await s.result(id);
  const created = s.received.findIndex(is(CONSTRUCTORS.newSessionCreated));
  assert.ok(created >= 0 && created < s.received.indexOf(message), 'new_session_created comes before the answer');
  const nsc = tl(s.received[created]!);
  assert.equal(nsc.firstMsgId.toString(), id.toString());
  assert.equal(BigInt(nsc.serverSalt.toString()), s.salt);
  assert.equal(readTl(rpcResultOf(message)!.result).className, 'Config');
  assert.equal(sandbox.counters.badServerSalts, 0, 'the salt from the handshake is the DC\'s salt');
});

test('a new session_id on the same key gets new_session_created with its own first_msg_id; a session seen before does not', async () => {
  const first = s.sessionId;
  const other = await WireSession.reuse(ep.host, ep.ports[1]!, s.key);
  try {
    const id = other.send(new Api.Ping({ pingId: bigInt(1) }));
    const nsc = tl(await other.waitFor(is(CONSTRUCTORS.newSessionCreated), 'new_session_created'));
    assert.equal(nsc.firstMsgId.toString(), id.toString());
    assert.notEqual(nsc.uniqueId.toString(), '0');
    // Back on the first session from this connection: the server knows it.
    other.sessionId = first;
    await stillUp(other);
    const created = other.received.filter(is(CONSTRUCTORS.newSessionCreated));
    assert.equal(created.length, 1);
  } finally {
    other.close();
  }
});

test('content-related messages are acknowledged with msgs_ack; msgs_ack itself is not', async () => {
  const ping = s.send(new Api.Ping({ pingId: bigInt(5) }));
  const ackOfAck = s.send(new Api.MsgsAck({ msgIds: [bigInt(1)] }), { contentRelated: false });
  const ack = await s.waitFor((m) => is(CONSTRUCTORS.msgsAck)(m) && tl(m).msgIds.some((x: any) => x.toString() === ping.toString()), 'msgs_ack of the ping');
  assert.equal(ack.seqNo % 2, 0, 'msgs_ack is not content-related');
  await stillUp(s);
  assert.ok(!s.received.some((m) => is(CONSTRUCTORS.msgsAck)(m) && tl(m).msgIds.some((x: any) => x.toString() === ackOfAck.toString())));
});

test('get_future_salts is answered with a plain future_salts carrying req_msg_id, holding the salt the DC accepts', async () => {
  const id = s.send(new Api.GetFutureSalts({ num: 3 }));
  const m = await s.waitFor((x) => is(CONSTRUCTORS.futureSalts)(x) && x.body.readBigInt64LE(4) === id, 'future_salts');
  assert.ok(!s.received.some((x) => rpcResultOf(x)?.reqMsgId === id), 'not wrapped in rpc_result');
  // future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt>: a bare vector of bare items.
  const count = m.body.readInt32LE(16);
  const salts = Array.from({ length: count }, (_, i) => ({
    validSince: m.body.readInt32LE(20 + 16 * i), validUntil: m.body.readInt32LE(24 + 16 * i), salt: m.body.readBigInt64LE(28 + 16 * i),
  }));
  const now = Math.floor(Date.now() / 1000);
  assert.equal(m.body.length, 20 + 16 * count);
  assert.ok(Math.abs(m.body.readInt32LE(12) - now) <= 1, 'now is the server time');
  assert.equal(salts.length, 3);
  assert.ok(salts[0]!.validSince <= now && now < salts[0]!.validUntil);
  for (let i = 1; i < 3; i++) assert.equal(salts[i]!.validSince, salts[i - 1]!.validUntil, 'the salts follow each other');
  for (const { salt } of salts) {
    const before = sandbox.counters.badServerSalts;
    const call = s.send(new Api.help.GetConfig(), { salt });
    await s.result(call);
    assert.equal(sandbox.counters.badServerSalts, before, 'a future salt is accepted');
  }
});

test('msgs_state_req: one state byte per msg_id for received, not received, too old and too new ids', async () => {
  const secondsFromNow = (n: number) => BigInt(Math.floor(Date.now() / 1000) + n) << 32n;
  const oldest = secondsFromNow(-600); // before anything this session sent
  const query = s.send(new Api.help.GetConfig());
  await s.result(query);
  const gapBefore = s.ids.next();
  const ping = s.send(new Api.Ping({ pingId: bigInt(9) }));
  await s.waitFor((m) => is(CONSTRUCTORS.pong)(m) && tl(m).msgId.toString() === ping.toString(), 'pong');
  const ack = s.send(new Api.MsgsAck({ msgIds: [bigInt(3)] }), { contentRelated: false });
  const future = secondsFromNow(3600);
  const asked = [query, ping, ack, gapBefore, oldest, future];
  const req = s.send(new Api.MsgsStateReq({ msgIds: asked.map((x) => bigInt(x.toString())) }));
  const m = await s.waitFor((x) => is(CONSTRUCTORS.msgsStateInfo)(x) && x.body.readBigInt64LE(4) === req, 'msgs_state_info');
  // msgs_state_info#04deb57d req_msg_id:long info:string, read by hand (the bytes are not UTF-8).
  const info = [...m.body.subarray(13, 13 + m.body[12]!)];
  assert.deepEqual(info, [
    4 + 8 + 32 + 64, // the RPC query: received, acknowledged, processed, answer generated
    4 + 8, // the ping: received and acknowledged
    4 + 16, // msgs_ack: received, needs no acknowledgment
    2, // an id between received ones that never came
    1, // older than anything the session knows
    3, // from the future
  ]);
  assert.equal(m.seqNo % 2, 0, 'msgs_state_info needs no acknowledgment');
});

test('msg_resend_req: a held answer is sent again with its msg_id; an unknown id gets msgs_state_info', async () => {
  const call = s.send(new Api.help.GetConfig());
  const { message } = await s.result(call);
  const answers = () => s.received.filter((m) => m.msgId === message.msgId).length;
  assert.equal(answers(), 1);
  s.send(new Api.MsgResendReq({ msgIds: [bigInt(message.msgId.toString())] }));
  await s.waitFor((m) => m !== message && m.msgId === message.msgId, 'the answer sent again');
  const again = s.received.filter((m) => m.msgId === message.msgId);
  assert.ok(again[1]!.body.equals(message.body));
  assert.equal(again[1]!.seqNo, message.seqNo);

  // Once acknowledged, the server forgets it: the resend request is answered with its state instead.
  s.send(new Api.MsgsAck({ msgIds: [bigInt(message.msgId.toString())] }), { contentRelated: false });
  const req = s.send(new Api.MsgResendReq({ msgIds: [bigInt(message.msgId.toString())] }));
  const m = await s.waitFor((x) => is(CONSTRUCTORS.msgsStateInfo)(x) && x.body.readBigInt64LE(4) === req, 'msgs_state_info for the forgotten answer');
  assert.deepEqual([...m.body.subarray(13, 13 + m.body[12]!)], [1]);
});

test('msgs_all_info and http_wait are accepted: no answer, no error, the connection stays up', async () => {
  const before = s.received.length;
  const info = s.send(new Api.MsgsAllInfo({ msgIds: [bigInt(s.ids.next().toString())], info: '\u0001' }));
  const wait = s.send(new Api.HttpWait({ maxDelay: 0, waitAfter: 0, maxWait: 1000 }), { contentRelated: false });
  await stillUp(s);
  const answered = s.received.slice(before).filter((m) => rpcResultOf(m) && [info, wait].includes(rpcResultOf(m)!.reqMsgId));
  assert.deepEqual(answered, []);
});

test('destroy_session: destroy_session_ok for another session of the key, destroy_session_none for an unknown one', async () => {
  const other = await WireSession.reuse(ep.host, ep.ports[1]!, s.key);
  try {
    await stillUp(other);
  } finally {
    other.close();
  }
  s.send(new Api.DestroySession({ sessionId: bigInt(other.sessionId.toString()) }));
  const ok = await s.waitFor(is(Api.DestroySessionOk.CONSTRUCTOR_ID), 'destroy_session_ok');
  assert.equal(tl(ok).sessionId.toString(), other.sessionId.toString());
  s.send(new Api.DestroySession({ sessionId: bigInt(other.sessionId.toString()) }));
  await s.waitFor(is(Api.DestroySessionNone.CONSTRUCTOR_ID), 'destroy_session_none once it is gone');
});

test('rpc_drop_answer for an answered query: rpc_answer_unknown in rpc_result', async () => {
  const call = s.send(new Api.help.GetConfig());
  await s.result(call);
  const drop = s.send(new Api.RpcDropAnswer({ reqMsgId: bigInt(call.toString()) }));
  const { result } = await s.result(drop);
  assert.equal(readTl(result).className, 'RpcAnswerUnknown');
});

test('rpc_drop_answer for a query still running: rpc_answer_dropped_running, and the query is never answered', async () => {
  sandbox.setLatency(1, 300);
  try {
    const call = s.send(new Api.help.GetConfig());
    await s.waitFor((m) => is(CONSTRUCTORS.msgsAck)(m) && tl(m).msgIds.some((x: any) => x.toString() === call.toString()), 'the query acknowledged');
    const drop = s.send(new Api.RpcDropAnswer({ reqMsgId: bigInt(call.toString()) }));
    assert.equal(readTl((await s.result(drop)).result).className, 'RpcAnswerDroppedRunning');
    await s.drain(600);
    assert.ok(!s.received.some((m) => rpcResultOf(m)?.reqMsgId === call), 'the dropped answer is not sent');
  } finally {
    sandbox.setLatency(1, 0);
  }
});

test('an unknown method: rpc_error 400 INPUT_METHOD_INVALID_<constructor> to its msg_id, the connection stays up', async () => {
  const id = s.send(Buffer.concat([u32(0xdeadbeef), i32(0)]));
  assert.deepEqual(await errorFor(s, id), { code: 400, message: `INPUT_METHOD_INVALID_${0xdeadbeef}` });
  await stillUp(s);
  // Inside invokeWithLayer too.
  const wrapped = s.send(Buffer.concat([u32(Api.InvokeWithLayer.CONSTRUCTOR_ID), i32(LAYER), u32(0xdeadbeef)]));
  assert.deepEqual(await errorFor(s, wrapped), { code: 400, message: `INPUT_METHOD_INVALID_${0xdeadbeef}` });
});

test('a method gramjs knows but the sandbox does not serve: 400 INPUT_METHOD_INVALID_<constructor>', async () => {
  const request = new Api.account.GetPassword();
  const id = s.send(request);
  assert.deepEqual(await errorFor(s, id), { code: 400, message: `INPUT_METHOD_INVALID_${request.CONSTRUCTOR_ID >>> 0}` });
});

test('an unknown constructor inside a request: 400 INPUT_CONSTRUCTOR_INVALID_<hex>', async () => {
  // users.getUsers id:Vector<InputUser> with one element of an unknown constructor.
  const body = Buffer.concat([u32(Api.users.GetUsers.CONSTRUCTOR_ID), u32(0x1cb5c415), i32(1), u32(0x0badf00d)]);
  assert.deepEqual(await errorFor(s, s.send(body)), { code: 400, message: 'INPUT_CONSTRUCTOR_INVALID_0BADF00D' });
  await stillUp(s);
});

test('a body that ends early: 400 INPUT_FETCH_FAIL', async () => {
  const body = Buffer.concat([u32(Api.users.GetUsers.CONSTRUCTOR_ID), u32(0x1cb5c415), i32(5)]);
  assert.deepEqual(await errorFor(s, s.send(body)), { code: 400, message: 'INPUT_FETCH_FAIL' });
  await stillUp(s);
});

test('in a container, the unreadable message and the good one are each answered to their own msg_id', async () => {
  const [bad, good] = s.sendContainer([{ body: Buffer.concat([u32(0xdeadbeef), i32(0)]) }, { body: new Api.help.GetConfig() }]);
  assert.deepEqual(await errorFor(s, bad!), { code: 400, message: `INPUT_METHOD_INVALID_${0xdeadbeef}` });
  assert.equal(readTl((await s.result(good!)).result).className, 'Config');
});

test(`invokeWithLayer: layer ${LAYER} is served; another layer gets 400 INPUT_LAYER_INVALID_${LAYER}`, async () => {
  const served = s.send(new Api.InvokeWithLayer({ layer: LAYER, query: new Api.help.GetConfig() }));
  assert.equal(readTl((await s.result(served)).result).className, 'Config');
  const other = s.send(new Api.InvokeWithLayer({ layer: 133, query: new Api.help.GetConfig() }));
  assert.deepEqual(await errorFor(s, other), { code: 400, message: `INPUT_LAYER_INVALID_${LAYER}` });
  await stillUp(s);
});
