// The auth key exchange and temporary keys on the wire, built by hand (test/support/auth-key-wire.ts): both RSA
// encryptions of p_q_inner_data, its _dc and _temp_dc variants, what Telegram refuses, expiry of temporary keys and
// auth.bindTempAuthKey (core.telegram.org/mtproto/auth_key, /method/auth.bindTempAuthKey, /api/pfs).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { AUTH_KEY_RULES } from '../src/sandbox/auth-key-rules.ts';
import {
  EncryptedSession, WireConnection, bigLong, bindEncryptedMessage, createAuthKey, keyIdLong, requestDhParams, rsa, rsaPad, rsaSha1, sha1, tl,
  type BindMessage, type ClientAuthKey, type ExchangeOptions, type Outcome, type RsaPublicKey,
} from './support/auth-key-wire.ts';

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bot = control.createBot({ username: 'pfs_bot' });
const key: RsaPublicKey = { fingerprint: sandbox.rsa.fingerprint, n: sandbox.rsa.n, e: sandbox.rsa.e };
const connections: WireConnection[] = [];
after(async () => {
  for (const c of connections) c.close();
  await sandbox.stop();
});

async function open(dcId = 1): Promise<WireConnection> {
  const conn = await WireConnection.open(sandbox.host, sandbox.ports[dcId]!);
  connections.push(conn);
  return conn;
}

/** A new key on its own connection, with an encrypted session on it. */
async function newKey(opts: Omit<ExchangeOptions, 'key'> = {}, dcId = 1): Promise<{ conn: WireConnection; authKey: ClientAuthKey; session: EncryptedSession }> {
  const conn = await open(dcId);
  const authKey = await createAuthKey(conn, { key, dc: dcId, ...opts });
  return { conn, authKey, session: new EncryptedSession(conn, authKey) };
}

const serverRecord = (authKey: ClientAuthKey, dcId = 1) => sandbox.dcs.find((d) => d.id === dcId)!.authKeys.get(authKey.keyId.toString('hex'));

async function assertWorks(session: EncryptedSession, dcId = 1): Promise<void> {
  const pong = await session.ping();
  assert.equal(pong.kind, 'pong');
  const config = await session.call(tl('help.GetConfig', {}));
  assert.equal(config.kind, 'result');
  assert.equal((config as Extract<Outcome, { kind: 'result' }>).obj?.thisDc, dcId);
}

const errorOf = (o: Outcome) => (o.kind === 'error' ? `${o.code} ${o.message}` : o.kind === 'transport' ? `transport ${o.code}` : o.kind);

test('rsa-inner-data: RSA_PAD reaches dh_gen_ok and the key answers an encrypted ping and help.getConfig', async () => {
  const { authKey, session } = await newKey({ form: 'rsa-pad', inner: 'PQInnerDataDc' });
  assert.ok(serverRecord(authKey), 'the DC registered the key under the id the client derived');
  await assertWorks(session);
});

test('rsa-inner-data: the older RSA(SHA1(data) + data + padding) reaches dh_gen_ok and the key works', async () => {
  const { authKey, session } = await newKey({ form: 'sha1', inner: 'PQInnerDataDc' });
  assert.ok(serverRecord(authKey));
  await assertWorks(session);
});

test('rsa-inner-data: plain p_q_inner_data in either form makes a permanent key', async () => {
  for (const form of ['rsa-pad', 'sha1'] as const) {
    const { authKey, session } = await newKey({ form, inner: 'PQInnerData' });
    assert.equal(serverRecord(authKey)?.temporary, false, form);
    await assertWorks(session);
  }
});

test('rsa-inner-data: encrypted_data that is neither form is refused with -404, and so is every later query on the connection', async () => {
  const forgeries: Record<string, NonNullable<ExchangeOptions['encrypt']>> = {
    'random bytes below the modulus': () => rsa(Buffer.concat([Buffer.alloc(1), randomBytes(255)]), key),
    'SHA1 form with a wrong hash': (data) => rsa(Buffer.concat([Buffer.alloc(1), sha1(data, Buffer.from('x')), data, randomBytes(235 - data.length)]), key),
    'SHA1 form without the leading zero byte': (data) => {
      for (;;) {
        const plain = Buffer.concat([randomBytes(1), sha1(data), data, randomBytes(235 - data.length)]);
        if (plain[0] !== 0 && BigInt('0x' + plain.toString('hex')) < key.n) return rsa(plain, key);
      }
    },
    'RSA_PAD with one bit flipped after encryption': (data) => {
      const sent = rsaPad(data, key);
      sent[200] ^= 1;
      return sent;
    },
    'SHA1 form with one bit flipped after encryption': (data) => {
      const sent = rsaSha1(data, key);
      sent[200] ^= 1;
      return sent;
    },
    'not below the modulus': () => Buffer.alloc(256, 0xff),
  };
  for (const [name, encrypt] of Object.entries(forgeries)) {
    const conn = await open();
    const { answer } = await requestDhParams(conn, { key, inner: 'PQInnerDataDc', dc: 1, encrypt });
    assert.equal(answer, -404, name);
    // A correct exchange on the same connection is refused too (core.telegram.org/mtproto/auth_key#6-server-responds-with).
    await assert.rejects(createAuthKey(conn, { key, inner: 'PQInnerDataDc', dc: 1 }), /answered -404/, name);
  }
  // ...while a new connection is fine.
  const { session } = await newKey({ inner: 'PQInnerDataDc' });
  await assertWorks(session);
});

test('inner-data-dc: p_q_inner_data_dc must name the DC reached; another DC gets -404, a test DC id -444', async () => {
  const conn = await open(1);
  const wrong = await requestDhParams(conn, { key, inner: 'PQInnerDataDc', dc: 2 });
  assert.equal(wrong.answer, -404);
  const temp = await requestDhParams(await open(2), { key, inner: 'PQInnerDataTempDc', dc: 1, expiresIn: 3600 });
  assert.equal(temp.answer, -404);
  const testDc = await requestDhParams(await open(1), { key, inner: 'PQInnerDataDc', dc: 10001 });
  assert.equal(testDc.answer, -444);
  // The same inner data on the right DC: DC 2 has its own keys.
  const { authKey, session } = await newKey({ inner: 'PQInnerDataDc' }, 2);
  assert.ok(serverRecord(authKey, 2));
  assert.equal(serverRecord(authKey, 1), undefined);
  await assertWorks(session, 2);
});

test('inner-data-dc: p_q_inner_data_temp_dc makes a temporary key that lives expires_in seconds', async () => {
  for (const form of ['rsa-pad', 'sha1'] as const) {
    const before = Date.now();
    const { authKey, session } = await newKey({ form, inner: 'PQInnerDataTempDc', expiresIn: 3600 });
    const record = serverRecord(authKey)!;
    assert.equal(record.temporary, true);
    assert.ok(record.expiresAt! >= before + 3600_000 && record.expiresAt! <= Date.now() + 3600_000, 'expires expires_in seconds after the exchange');
    await assertWorks(session);
  }
  const { authKey } = await newKey({ inner: 'PQInnerDataTemp', expiresIn: 60 });
  assert.equal(serverRecord(authKey)?.temporary, true, 'p_q_inner_data_temp (no dc) too');
  const refused = await requestDhParams(await open(), { key, inner: 'PQInnerDataTempDc', dc: 1, expiresIn: 0 });
  assert.equal(refused.answer, -404, 'expires_in 0 is refused');
});

test('temp-key-expiry: once expires_in has passed, messages under the key get -404, on its connection and on a new one', async () => {
  const { conn, authKey } = await newKey({ inner: 'PQInnerDataTempDc', expiresIn: 1 });
  const expiresAt = serverRecord(authKey)!.expiresAt!;
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 50));
  const late = await new EncryptedSession(conn, authKey).ping();
  assert.equal(errorOf(late), 'transport -404');
  const fresh = await new EncryptedSession(await open(), authKey).ping();
  assert.equal(errorOf(fresh), 'transport -404');
  assert.equal(sandbox.dcs[0]!.authKeys.has(authKey.keyId.toString('hex')), false, 'the DC forgot the key');
});

test('two exchanges at once on one connection: a permanent and a temporary key', async () => {
  const conn = await open();
  const [perm, temp] = await Promise.all([
    createAuthKey(conn, { key, inner: 'PQInnerDataDc', dc: 1 }),
    createAuthKey(conn, { key, inner: 'PQInnerDataTempDc', dc: 1, expiresIn: 600 }),
  ]);
  assert.equal(serverRecord(perm)?.temporary, false);
  assert.equal(serverRecord(temp)?.temporary, true);
});

// ── auth.bindTempAuthKey ─────────────────────────────────────────────
const nowS = () => Math.floor(Date.now() / 1000);

interface BindSetup {
  perm: ClientAuthKey;
  permSession: EncryptedSession;
  temp: ClientAuthKey;
  session: EncryptedSession;
}

async function bindSetup(): Promise<BindSetup> {
  const p = await newKey({ inner: 'PQInnerDataDc' });
  const t = await newKey({ inner: 'PQInnerDataTempDc', expiresIn: 3600 });
  return { perm: p.authKey, permSession: p.session, temp: t.authKey, session: t.session };
}

/** Calls auth.bindTempAuthKey on `s.session`; `edit` changes the request or the bound message to break it. */
async function bind(s: BindSetup, edit: { inner?: Partial<BindMessage>; request?: Partial<{ nonce: bigint; permAuthKeyId: bigint; expiresAt: number }>; msgId?: bigint; seqNo?: number; encryptWith?: ClientAuthKey; message?: (m: Buffer) => Buffer; session?: EncryptedSession } = {}): Promise<Outcome> {
  const session = edit.session ?? s.session;
  const nonce = randomBytes(8).readBigInt64LE(0);
  const expiresAt = nowS() + 1800;
  const request = { nonce, permAuthKeyId: keyIdLong(s.perm), expiresAt, ...edit.request };
  const inner: BindMessage = { nonce, tempAuthKeyId: keyIdLong(session.authKey), permAuthKeyId: keyIdLong(s.perm), tempSessionId: session.sessionId, expiresAt, ...edit.inner };
  const msgId = session.conn.msgId();
  let message = bindEncryptedMessage(edit.encryptWith ?? s.perm, edit.msgId ?? msgId, inner, { seqNo: edit.seqNo });
  if (edit.message) message = edit.message(message);
  return session.call(tl('auth.BindTempAuthKey', { permAuthKeyId: bigLong(request.permAuthKeyId), nonce: bigLong(request.nonce), expiresAt: request.expiresAt, encryptedMessage: message }), msgId);
}

const login = (session: EncryptedSession) => session.call(tl('auth.ImportBotAuthorization', { flags: 0, apiId: 1, apiHash: 'h', botAuthToken: bot.token }));
const getSelf = (session: EncryptedSession) => session.call(tl('users.GetUsers', { id: [tl('InputUserSelf', {})] }));
const isTrue = (o: Outcome) => o.kind === 'result' && o.body.readUInt32LE(0) === 0x997275b5;

test('bind-temp-auth-key: a temp key bound to a perm key acts for its bot login; its expiry becomes the binding\'s', async () => {
  const s = await bindSetup();
  assert.equal(errorOf(await login(s.permSession)), 'result');
  assert.equal(errorOf(await getSelf(s.session)), '401 AUTH_KEY_UNREGISTERED', 'unbound, the temp key has no authorization');

  const bound = await bind(s);
  assert.ok(isTrue(bound), `bindTempAuthKey answered ${errorOf(bound)}`);
  const self = await getSelf(s.session);
  assert.equal(self.kind, 'result');
  const users = (self as Extract<Outcome, { kind: 'result' }>).obj as unknown as Array<{ id: { toString(): string }; bot: boolean }>;
  assert.equal(users[0]!.id.toString(), bot.id);
  const record = serverRecord(s.temp)!;
  assert.ok(record.expiresAt! <= (nowS() + 1800) * 1000, 'the key expires at the binding\'s expires_at');
  assert.ok(isTrue(await bind(s)), 'binding again to the same perm key is accepted');
});

test('temp-key-binding: a login on the bound temp key is the perm key\'s; a second temp key bound to the perm key unbinds the first', async () => {
  const s = await bindSetup();
  assert.ok(isTrue(await bind(s)));
  assert.equal(errorOf(await login(s.session)), 'result');
  assert.equal(errorOf(await getSelf(s.permSession)), 'result', 'the perm key is logged in');

  const second = await newKey({ inner: 'PQInnerDataTempDc', expiresIn: 3600 });
  assert.ok(isTrue(await bind(s, { session: second.session })));
  assert.equal(errorOf(await getSelf(second.session)), 'result', 'the new temp key acts for the perm key');
  assert.equal(errorOf(await getSelf(s.session)), '401 AUTH_KEY_UNREGISTERED', 'the replaced temp key no longer does');
});

test('bind-temp-auth-key: each refusal has its documented error and binds nothing', async () => {
  const s = await bindSetup();
  const other = await newKey({ inner: 'PQInnerDataDc' });
  const otherTemp = await newKey({ inner: 'PQInnerDataTempDc', expiresIn: 3600 });
  const unknownPerm: ClientAuthKey = { key: randomBytes(256), keyId: Buffer.alloc(8), salt: 0n };
  unknownPerm.keyId.writeBigInt64LE(7n, 0);
  const cases: Array<[string, Parameters<typeof bind>[1], string]> = [
    ['called under the permanent key', { session: s.permSession }, '400 TEMP_AUTH_KEY_EMPTY'],
    ['expires_at in the past', { request: { expiresAt: nowS() - 10 }, inner: { expiresAt: nowS() - 10 } }, '400 EXPIRES_AT_INVALID'],
    ['inner nonce differs from the request\'s', { inner: { nonce: 1n } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['temp_auth_key_id of another key', { inner: { tempAuthKeyId: keyIdLong(otherTemp.authKey) } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['inner perm_auth_key_id differs from the request\'s', { inner: { permAuthKeyId: keyIdLong(other.authKey) } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['temp_session_id of another session', { inner: { tempSessionId: 42n } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['inner expires_at differs from the request\'s', { inner: { expiresAt: nowS() + 60 } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['msg_id not the request\'s', { msgId: 4n << 32n }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['seqno not 0', { seqNo: 1 }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['encrypted with another perm key than the one named', { encryptWith: other.authKey }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['a temporary key as the perm key', { encryptWith: otherTemp.authKey, request: { permAuthKeyId: keyIdLong(otherTemp.authKey) }, inner: { permAuthKeyId: keyIdLong(otherTemp.authKey) } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['an unknown perm key', { encryptWith: unknownPerm, request: { permAuthKeyId: 7n }, inner: { permAuthKeyId: 7n } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['one byte of the ciphertext flipped', { message: (m) => { m[40] ^= 1; return m; } }, '400 ENCRYPTED_MESSAGE_INVALID'],
    ['cut short', { message: (m) => m.subarray(0, 24 + 64) }, '400 ENCRYPTED_MESSAGE_INVALID'],
  ];
  for (const [name, edit, expected] of cases) {
    assert.equal(errorOf(await bind(s, edit)), expected, name);
    assert.equal(serverRecord(s.temp)?.boundTo, undefined, `${name}: nothing bound`);
  }

  // Bound to one perm key, the temp key cannot be bound to another.
  assert.ok(isTrue(await bind(s)));
  const otherBind = await bind({ ...s, perm: other.authKey });
  assert.equal(errorOf(otherBind), '400 TEMP_AUTH_KEY_ALREADY_BOUND');
});

test('README lists every auth key rule with its error and source', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const rule of AUTH_KEY_RULES) {
    assert.ok(readme.includes(rule.source), `README cites ${rule.source} for ${rule.id}`);
    assert.ok(readme.includes(`| \`${rule.id}\` |`), `README's rules table has ${rule.id}`);
  }
  const tests = readFileSync(new URL(import.meta.url), 'utf8');
  for (const rule of AUTH_KEY_RULES) assert.ok(tests.includes(`test('${rule.id}: `), `a test is named after ${rule.id}`);
});
