// The client side of an MTProto auth key exchange and of encrypted messages, built by hand from the documents
// (core.telegram.org/mtproto/auth_key, /mtproto/description, /method/auth.bindTempAuthKey) so tests can send what
// gramjs never does: the SHA1-padded p_q_inner_data, the _dc and _temp_dc variants, forged or broken messages.
// TL objects are (de)serialized with gramjs's schema; everything else (RSA, DH, key derivation, framing) is here.
import { connect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { igeDecrypt, igeEncrypt } from '../../src/crypto/ige.ts';
import { Inbox, clientCodec } from './mtproto-wire.ts';
import { decryptServerMessage, encryptClientMessage, type MessageFields } from './mtproto-messages.ts';
import { Api, BinaryReader, readBigIntFromBuffer, toSignedLittleBuffer, type TLObject } from '../../src/sandbox/tl.ts';

export const sha1 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};
export const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

const toBigInt = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex')));

function toBytes(n: bigint, length?: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const raw = Buffer.from(hex, 'hex');
  return length === undefined || raw.length === length ? raw : Buffer.concat([Buffer.alloc(length - raw.length), raw]);
}

function powMod(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    exp >>= 1n;
    base = (base * base) % mod;
  }
  return result;
}

/** A TL object from gramjs's schema: `tl('ReqPqMulti', { nonce })`. */
export function tl(name: string, fields: Record<string, unknown>): TLObject {
  let ctor: any = Api;
  for (const part of name.split('.')) ctor = ctor[part];
  return new ctor(fields) as TLObject;
}

export const readTl = (data: Buffer): TLObject => new BinaryReader(data).tgReadObject() as TLObject;

// ── transport ────────────────────────────────────────────────────────
/** One TCP connection speaking the full transport; a 4-byte packet is a transport error code. */
export class WireConnection {
  readonly #codec = clientCodec('full');
  readonly #inbox = new Inbox();
  readonly #packets: Buffer[] = [];
  /** Callers of next() waiting, served in call order so concurrent exchanges each get the answer to their query. */
  readonly #consumers: Array<(packet: Buffer | null) => void> = [];
  closed = false;
  #lastMsgId = 0n;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d) => {
      this.#inbox.push(d);
      for (let frame = this.#codec.decode(this.#inbox); frame; frame = this.#codec.decode(this.#inbox)) {
        // A transport error is kept as the 4-byte packet it was on the wire.
        const packet = frame.kind === 'payload' ? frame.payload : frame.kind === 'error' ? Buffer.from(new Int32Array([frame.code]).buffer) : undefined;
        if (!packet) continue;
        const consumer = this.#consumers.shift();
        if (consumer) consumer(packet);
        else this.#packets.push(packet);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const consumer of this.#consumers.splice(0)) consumer(null);
    });
    socket.on('error', () => {});
  }

  static open(host: string, port: number): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new WireConnection(s)));
      s.once('error', reject);
    });
  }

  send(payload: Buffer): void {
    this.socket.write(this.#codec.encode(payload));
  }

  /** The next packet, or null once the server closed the connection. Fails after `ms` without one. */
  next(ms = 10_000): Promise<Buffer | null> {
    if (this.#packets.length) return Promise.resolve(this.#packets.shift()!);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      const consumer = (packet: Buffer | null) => {
        clearTimeout(timer);
        resolve(packet);
      };
      const timer = setTimeout(() => {
        this.#consumers.splice(this.#consumers.indexOf(consumer), 1);
        reject(new Error(`no packet from the server within ${ms} ms`));
      }, ms);
      this.#consumers.push(consumer);
    });
  }

  /** A client msg_id: unix time × 2^32, divisible by 4, increasing. */
  msgId(): bigint {
    const t = Date.now();
    let id = (BigInt(Math.floor(t / 1000)) << 32n) | (BigInt((t % 1000) * 4_000_000) & 0xfffffffcn);
    if (id <= this.#lastMsgId) id = this.#lastMsgId + 4n;
    this.#lastMsgId = id;
    return id;
  }

  /** Sends an unencrypted message (auth_key_id 0) and reads the answer: a TL object, or the transport error code. */
  async plain(obj: TLObject): Promise<TLObject | number> {
    const body = obj.getBytes();
    const head = Buffer.alloc(20);
    head.writeBigInt64LE(this.msgId(), 8);
    head.writeInt32LE(body.length, 16);
    this.send(Buffer.concat([head, body]));
    const packet = await this.next();
    if (packet === null) throw new Error('the server closed the connection');
    if (packet.length === 4) return packet.readInt32LE(0);
    return readTl(packet.subarray(20, 20 + packet.readInt32LE(16)));
  }

  close(): void {
    this.socket.destroy();
  }
}

// ── RSA: the two encryptions of p_q_inner_data ───────────────────────
export interface RsaPublicKey {
  fingerprint: string;
  n: bigint;
  e: number;
}

/** Raw RSA: the big-endian number to the power e mod n, as 256 bytes. */
export const rsa = (data: Buffer, key: RsaPublicKey): Buffer => toBytes(powMod(toBigInt(data), BigInt(key.e), key.n), 256);

/** RSA_PAD (core.telegram.org/mtproto/auth_key#41-rsa-paddata-server-public-key-mentioned-above-is-implemented-as-follows). */
export function rsaPad(data: Buffer, key: RsaPublicKey): Buffer {
  if (data.length > 144) throw new RangeError(`data of ${data.length} bytes is longer than 144`);
  const dataWithPadding = Buffer.concat([data, randomBytes(192 - data.length)]);
  const reversed = Buffer.from(dataWithPadding).reverse();
  for (;;) {
    const tempKey = randomBytes(32);
    const dataWithHash = Buffer.concat([reversed, sha256(tempKey, dataWithPadding)]);
    const aesEncrypted = igeEncrypt(dataWithHash, tempKey, Buffer.alloc(32));
    const mask = sha256(aesEncrypted);
    const keyXor = Buffer.alloc(32);
    for (let i = 0; i < 32; i++) keyXor[i] = tempKey[i]! ^ mask[i]!;
    const keyAesEncrypted = Buffer.concat([keyXor, aesEncrypted]);
    if (toBigInt(keyAesEncrypted) < key.n) return rsa(keyAesEncrypted, key);
  }
}

/** The older form: RSA(SHA1(data) + data + random padding to 255 bytes). */
export function rsaSha1(data: Buffer, key: RsaPublicKey): Buffer {
  if (data.length > 255 - 20) throw new RangeError(`data of ${data.length} bytes does not fit`);
  const plain = Buffer.concat([sha1(data), data]);
  return rsa(Buffer.concat([plain, randomBytes(255 - plain.length)]), key);
}

// ── the exchange ─────────────────────────────────────────────────────
export type InnerDataName = 'PQInnerData' | 'PQInnerDataDc' | 'PQInnerDataTemp' | 'PQInnerDataTempDc';

export interface ExchangeOptions {
  key: RsaPublicKey;
  form?: 'rsa-pad' | 'sha1';
  inner?: InnerDataName;
  dc?: number;
  expiresIn?: number;
  /** Encrypts the serialized inner data in place of `form`, to forge or break it. */
  encrypt?: (data: Buffer, key: RsaPublicKey) => Buffer;
}

export interface ClientAuthKey {
  key: Buffer;
  keyId: Buffer;
  salt: bigint;
}

function factor(pq: bigint): [bigint, bigint] {
  // Pollard's rho: pq's two factors are below 2^32, found in a few thousand steps.
  if (pq % 2n === 0n) return [2n, pq / 2n];
  const gcd = (a: bigint, b: bigint): bigint => { while (b) [a, b] = [b, a % b]; return a; };
  for (let c = 1n; ; c++) {
    let x = 2n, y = 2n, d = 1n;
    const f = (v: bigint) => (v * v + c) % pq;
    while (d === 1n) {
      x = f(x);
      y = f(f(y));
      d = gcd(x > y ? x - y : y - x, pq);
    }
    if (d !== pq) return d < pq / d ? [d, pq / d] : [pq / d, d];
  }
}

/** Step by step up to and including req_DH_params; what comes back (server_DH_params_ok or an error code) is for the caller. */
export async function requestDhParams(conn: WireConnection, opts: ExchangeOptions): Promise<{ answer: TLObject | number; nonce: any; serverNonce: any; newNonce: any }> {
  const nonce = readBigIntFromBuffer(randomBytes(16), false, true);
  const resPq = await conn.plain(tl('ReqPqMulti', { nonce }));
  if (typeof resPq === 'number') throw new Error(`req_pq_multi answered ${resPq}`);
  if (resPq.className !== 'ResPQ' || !resPq.nonce.eq(nonce)) throw new Error(`unexpected ${resPq.className}`);
  const fingerprint = resPq.serverPublicKeyFingerprints.map(String).find((f: string) => f === opts.key.fingerprint);
  if (!fingerprint) throw new Error('the server does not offer the expected RSA key');
  const pq = toBigInt(resPq.pq);
  const [p, q] = factor(pq);
  const newNonce = readBigIntFromBuffer(randomBytes(32), false, true);
  const name = opts.inner ?? 'PQInnerData';
  const fields: Record<string, unknown> = { pq: resPq.pq, p: toBytes(p), q: toBytes(q), nonce, serverNonce: resPq.serverNonce, newNonce };
  if (name.endsWith('Dc')) fields.dc = opts.dc;
  if (name.startsWith('PQInnerDataTemp')) fields.expiresIn = opts.expiresIn;
  const data = tl(name, fields).getBytes();
  const encryptedData = opts.encrypt ? opts.encrypt(data, opts.key) : (opts.form ?? 'rsa-pad') === 'rsa-pad' ? rsaPad(data, opts.key) : rsaSha1(data, opts.key);
  const answer = await conn.plain(tl('ReqDHParams', {
    nonce, serverNonce: resPq.serverNonce, p: toBytes(p), q: toBytes(q), publicKeyFingerprint: resPq.serverPublicKeyFingerprints.find((f: any) => String(f) === fingerprint), encryptedData,
  }));
  return { answer, nonce, serverNonce: resPq.serverNonce, newNonce };
}

function tmpAesKeyIv(newNonce: Buffer, serverNonce: Buffer): { key: Buffer; iv: Buffer } {
  const a = sha1(newNonce, serverNonce);
  const b = sha1(serverNonce, newNonce);
  const c = sha1(newNonce, newNonce);
  return { key: Buffer.concat([a, b.subarray(0, 12)]), iv: Buffer.concat([b.subarray(12, 20), c, newNonce.subarray(0, 4)]) };
}

/** A whole exchange: req_pq_multi, req_DH_params, set_client_DH_params; checks dh_gen_ok's new_nonce_hash1. */
export async function createAuthKey(conn: WireConnection, opts: ExchangeOptions): Promise<ClientAuthKey> {
  const { answer, nonce, serverNonce, newNonce } = await requestDhParams(conn, opts);
  if (typeof answer === 'number') throw new Error(`req_DH_params answered transport error ${answer}`);
  if (answer.className !== 'ServerDHParamsOk') throw new Error(`unexpected ${answer.className}`);
  const newNonceBytes = toSignedLittleBuffer(newNonce, 32);
  const serverNonceBytes = toSignedLittleBuffer(serverNonce, 16);
  const tmp = tmpAesKeyIv(newNonceBytes, serverNonceBytes);
  const plain = igeDecrypt(answer.encryptedAnswer, tmp.key, tmp.iv);
  const reader = new BinaryReader(plain.subarray(20));
  const inner = reader.tgReadObject() as TLObject;
  if (!sha1(plain.subarray(20, 20 + reader.tellPosition())).equals(plain.subarray(0, 20))) throw new Error('server_DH_inner_data hash mismatch');
  const dhPrime = toBigInt(inner.dhPrime);
  const b = toBigInt(randomBytes(256));
  const gB = powMod(BigInt(inner.g), b, dhPrime);
  const clientInner = tl('ClientDHInnerData', { nonce, serverNonce, retryId: 0, gB: toBytes(gB) }).getBytes();
  const withHash = Buffer.concat([sha1(clientInner), clientInner]);
  const padded = Buffer.concat([withHash, randomBytes((16 - (withHash.length % 16)) % 16)]);
  const result = await conn.plain(tl('SetClientDHParams', { nonce, serverNonce, encryptedData: igeEncrypt(padded, tmp.key, tmp.iv) }));
  if (typeof result === 'number') throw new Error(`set_client_DH_params answered transport error ${result}`);
  if (result.className !== 'DhGenOk') throw new Error(`unexpected ${result.className}`);
  // The key as the minimal big-endian number, as gramjs (and so the sandbox) derives it.
  const key = toBytes(powMod(toBigInt(inner.gA), b, dhPrime));
  const keyHash = sha1(key);
  const expected = sha1(newNonceBytes, Buffer.from([1]), keyHash.subarray(0, 8)).subarray(4, 20);
  if (!toSignedLittleBuffer(result.newNonceHash1, 16).equals(expected)) throw new Error('new_nonce_hash1 mismatch');
  return { key, keyId: keyHash.subarray(12, 20), salt: newNonceBytes.readBigInt64LE(0) ^ serverNonceBytes.readBigInt64LE(0) };
}

// ── MTProto 2.0 encrypted messages ───────────────────────────────────
export type Envelope = MessageFields;

export function encrypt2(authKey: ClientAuthKey, m: Envelope): Buffer {
  return encryptClientMessage(authKey.key, authKey.keyId, m).payload;
}

export function decrypt2(authKey: ClientAuthKey, packet: Buffer): Envelope {
  return decryptServerMessage(authKey.key, authKey.keyId, packet);
}

const RPC_RESULT = 0xf35c6d01;
const RPC_ERROR = 0x2144ca19;
const MSG_CONTAINER = 0x73f1f8dc;

/** What came back for one request: its result, an rpc_error, a pong, or a transport error code. */
export type Outcome =
  | { kind: 'result'; body: Buffer; obj?: TLObject }
  | { kind: 'error'; code: number; message: string }
  | { kind: 'pong'; pingId: bigint }
  | { kind: 'transport'; code: number }
  | { kind: 'closed' };

/** An encrypted session on one connection under one auth key. */
export class EncryptedSession {
  readonly sessionId = randomBytes(8).readBigInt64LE(0);
  #seq = 0;

  constructor(readonly conn: WireConnection, readonly authKey: ClientAuthKey, public salt = authKey.salt) {}

  /** Sends a content-related message; returns its msg_id. */
  send(body: Buffer, msgId = this.conn.msgId()): bigint {
    this.conn.send(encrypt2(this.authKey, { salt: this.salt, sessionId: this.sessionId, msgId, seqNo: this.#seq++ * 2 + 1, body }));
    return msgId;
  }

  /** Sends `obj` and reads until its answer (bad_server_salt resends with the new salt). */
  async call(obj: TLObject, msgId?: bigint): Promise<Outcome> {
    let id = this.send(obj.getBytes(), msgId);
    for (;;) {
      const packet = await this.conn.next();
      if (packet === null) return { kind: 'closed' };
      if (packet.length === 4) return { kind: 'transport', code: packet.readInt32LE(0) };
      const env = decrypt2(this.authKey, packet);
      for (const body of unpackContainer(env.body)) {
        const ctor = body.readUInt32LE(0);
        if (ctor === RPC_RESULT && body.readBigInt64LE(4) === id) {
          const result = body.subarray(12);
          if (result.readUInt32LE(0) === RPC_ERROR) {
            const err = readTl(result);
            return { kind: 'error', code: err.errorCode, message: err.errorMessage };
          }
          let parsed: TLObject | undefined;
          try { parsed = readTl(result); } catch { parsed = undefined; }
          return { kind: 'result', body: result, obj: parsed };
        }
        if (ctor === RPC_RESULT) continue;
        const other = readTl(body);
        if (other.className === 'Pong' && BigInt(other.msgId.toString()) === id) return { kind: 'pong', pingId: BigInt(other.pingId.toString()) };
        if (other.className === 'BadServerSalt' && BigInt(other.badMsgId.toString()) === id) {
          this.salt = BigInt(other.newServerSalt.toString());
          id = this.send(obj.getBytes());
        }
      }
    }
  }

  ping(): Promise<Outcome> {
    return this.call(tl('Ping', { pingId: readBigIntFromBuffer(randomBytes(8), true, true) }));
  }
}

function unpackContainer(body: Buffer): Buffer[] {
  if (body.readUInt32LE(0) !== MSG_CONTAINER) return [body];
  const out: Buffer[] = [];
  let at = 8;
  for (let i = 0, n = body.readInt32LE(4); i < n; i++) {
    const length = body.readInt32LE(at + 12);
    out.push(body.subarray(at + 16, at + 16 + length));
    at += 16 + length;
  }
  return out;
}

// ── auth.bindTempAuthKey ─────────────────────────────────────────────
/** MTProto 1.0 key derivation (core.telegram.org/mtproto/description_v1), client → server (x = 0). */
function keyIv1(authKey: Buffer, msgKey: Buffer): { key: Buffer; iv: Buffer } {
  const a = sha1(msgKey, authKey.subarray(0, 32));
  const b = sha1(authKey.subarray(32, 48), msgKey, authKey.subarray(48, 64));
  const c = sha1(authKey.subarray(64, 96), msgKey);
  const d = sha1(msgKey, authKey.subarray(96, 128));
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)]),
    iv: Buffer.concat([a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8)]),
  };
}

export interface BindMessage {
  nonce: bigint;
  tempAuthKeyId: bigint;
  permAuthKeyId: bigint;
  tempSessionId: bigint;
  expiresAt: number;
}

/** encrypted_message of auth.bindTempAuthKey: bind_auth_key_inner encrypted with the permanent key, MTProto 1.0 style. */
export function bindEncryptedMessage(perm: ClientAuthKey, msgId: bigint, inner: BindMessage, opts: { seqNo?: number } = {}): Buffer {
  const body = tl('BindAuthKeyInner', {
    nonce: bigLong(inner.nonce), tempAuthKeyId: bigLong(inner.tempAuthKeyId), permAuthKeyId: bigLong(inner.permAuthKeyId),
    tempSessionId: bigLong(inner.tempSessionId), expiresAt: inner.expiresAt,
  }).getBytes();
  const head = Buffer.alloc(32);
  randomBytes(16).copy(head, 0);
  head.writeBigInt64LE(msgId, 16);
  head.writeInt32LE(opts.seqNo ?? 0, 24);
  head.writeInt32LE(body.length, 28);
  const unpadded = Buffer.concat([head, body]);
  const msgKey = sha1(unpadded).subarray(4, 20);
  const plain = Buffer.concat([unpadded, randomBytes((16 - (unpadded.length % 16)) % 16)]);
  const { key, iv } = keyIv1(perm.key, msgKey);
  return Buffer.concat([perm.keyId, msgKey, igeEncrypt(plain, key, iv)]);
}

/** A long field for a gramjs TL object. */
export const bigLong = (n: bigint): any => readBigIntFromBuffer(Buffer.from(new BigInt64Array([n]).buffer), true, true);

export const keyIdLong = (k: ClientAuthKey): bigint => k.keyId.readBigInt64LE(0);
