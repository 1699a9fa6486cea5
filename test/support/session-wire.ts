// An MTProto client driven by hand, for wire-level tests of the sandbox DC: the TCP "full" transport, the
// unencrypted auth key exchange (core.telegram.org/mtproto/auth_key), MTProto 2.0 encryption of messages
// (core.telegram.org/mtproto/description), msg_ids and seq_nos. TL objects are built with gramjs's schema; framing,
// padding, keys and ids are done here so a test controls every byte.
import { connect, type Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { createRequire } from 'node:module';
import bigInt from 'big-integer';
import { Api } from 'telegram';
import { igeDecrypt, igeEncrypt } from '../../src/crypto/ige.ts';
import { decryptServerMessage, encryptClientMessage, type MessageFields } from './mtproto-messages.ts';

const require = createRequire(import.meta.url);
const { BinaryReader } = require('telegram/extensions') as { BinaryReader: new (b: Buffer) => { tgReadObject(): any } };

export const sha1 = (...parts: Uint8Array[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha1')).digest();
export const sha256 = (...parts: Uint8Array[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

/** Reads one boxed TL object with gramjs's schema. */
export const readTl = (data: Buffer): any => new BinaryReader(data).tgReadObject();

export const CONSTRUCTORS = {
  rpcResult: 0xf35c6d01,
  rpcError: 0x2144ca19,
  msgContainer: 0x73f1f8dc,
  msgsAck: 0x62d6b459,
  newSessionCreated: 0x9ec20908,
  futureSalts: 0xae500895,
  msgsStateInfo: 0x04deb57d,
  pong: 0x347773c5,
  badServerSalt: 0xedab447b,
} as const;

// ── numbers ───────────────────────────────────────────────────────────
const beToBig = (b: Uint8Array): bigint => (b.length ? BigInt('0x' + Buffer.from(b).toString('hex')) : 0n);

function bigToBe(n: bigint, length?: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const raw = Buffer.from(hex, 'hex');
  return length === undefined ? raw : Buffer.concat([Buffer.alloc(length - raw.length), raw]);
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  base %= mod;
  for (; exp > 0n; exp >>= 1n, base = (base * base) % mod) if (exp & 1n) r = (r * base) % mod;
  return r;
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** Pollard's rho: splits the server's pq (two primes below 2^32) as the auth key exchange requires. */
export function factorPq(pq: bigint): [bigint, bigint] {
  for (let c = 1n; ; c++) {
    let x = 2n;
    let y = 2n;
    let d = 1n;
    while (d === 1n) {
      x = (x * x + c) % pq;
      y = (y * y + c) % pq;
      y = (y * y + c) % pq;
      d = gcd(x > y ? x - y : y - x, pq);
    }
    if (d !== pq) return d < pq / d ? [d, pq / d] : [pq / d, d];
  }
}

/** gramjs int128/int256 fields: little-endian signed numbers as big-integer. */
const leToTl = (b: Buffer) => bigInt(BigInt.asIntN(b.length * 8, beToBig(Buffer.from(b).reverse())).toString());
const tlToLe = (n: any, length: number): Buffer => Buffer.from(bigToBe(BigInt.asUintN(length * 8, BigInt(n.toString())), length)).reverse();

// ── msg_ids ───────────────────────────────────────────────────────────
/** Client msg_ids: unix time × 2^32, divisible by 4, strictly increasing (core.telegram.org/mtproto/description#message-identifier-msg-id). */
export class MsgIds {
  #last = 0n;

  next(offsetSeconds = 0): bigint {
    const ms = Date.now() + offsetSeconds * 1000;
    let id = (BigInt(Math.floor(ms / 1000)) << 32n) | (BigInt(ms % 1000) << 22n);
    id &= ~3n;
    if (id <= this.#last) id = this.#last + 4n;
    this.#last = id;
    return id;
  }
}

// ── transport ─────────────────────────────────────────────────────────
/** TCP "full" transport: length, seq, payload, crc32. */
export class FullTransport {
  #sendSeq = 0;
  #buffer = Buffer.alloc(0);
  #packets: Buffer[] = [];
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.#buffer = Buffer.concat([this.#buffer, d]);
      for (;;) {
        if (this.#buffer.length < 4) break;
        const length = this.#buffer.readInt32LE(0);
        if (this.#buffer.length < length) break;
        this.#packets.push(this.#buffer.subarray(8, length - 4));
        this.#buffer = this.#buffer.subarray(length);
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  /** Bytes received that do not make a whole packet yet. */
  get partialBytes(): number {
    return this.#buffer.length;
  }

  static open(host: string, port: number): Promise<FullTransport> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host, () => resolve(new FullTransport(socket)));
      socket.once('error', reject);
    });
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  send(payload: Buffer): void {
    const head = Buffer.alloc(8);
    head.writeInt32LE(payload.length + 12, 0);
    head.writeInt32LE(this.#sendSeq++, 4);
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(crc32(payload, crc32(head)), 0);
    this.socket.write(Buffer.concat([head, payload, tail]));
  }

  /** The next packet; rejects when the socket closes first or nothing comes within `timeoutMs`. */
  async recv(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const p = this.#packets.shift();
      if (p) return p;
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no packet within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

// ── unencrypted handshake ─────────────────────────────────────────────
export interface ServerRsaKey {
  n: bigint;
  e: number;
  /** Signed decimal, as the sandbox's endpoint gives it. */
  fingerprint: string;
}

export interface AuthKey {
  key: Buffer;
  /** auth_key_id: the low 64 bits of SHA1(auth_key), as on the wire. */
  id: Buffer;
  salt: bigint;
}

async function plainCall(t: FullTransport, ids: MsgIds, request: { getBytes(): Buffer }): Promise<any> {
  const body = request.getBytes();
  const head = Buffer.alloc(20);
  head.writeBigInt64LE(ids.next(), 8);
  head.writeInt32LE(body.length, 16);
  t.send(Buffer.concat([head, body]));
  const answer = await t.recv();
  if (answer.length === 4) throw new Error(`transport error ${answer.readInt32LE(0)}`);
  return readTl(answer.subarray(20, 20 + answer.readInt32LE(16)));
}

/** RSA_PAD (core.telegram.org/mtproto/auth_key#presenting-proof-of-work-server-authentication). */
function rsaPad(data: Buffer, key: ServerRsaKey): Buffer {
  for (;;) {
    const dataWithPadding = Buffer.concat([data, randomBytes(192 - data.length)]);
    const reversed = Buffer.from(dataWithPadding).reverse();
    const tempKey = randomBytes(32);
    const dataWithHash = Buffer.concat([reversed, sha256(tempKey, dataWithPadding)]);
    const aesEncrypted = igeEncrypt(dataWithHash, tempKey, Buffer.alloc(32));
    const mask = sha256(aesEncrypted);
    const keyAesEncrypted = Buffer.concat([Buffer.from(tempKey.map((b, i) => b ^ mask[i]!)), aesEncrypted]);
    const m = beToBig(keyAesEncrypted);
    if (m >= key.n) continue;
    return bigToBe(modPow(m, BigInt(key.e), key.n), 256);
  }
}

function tmpAes(newNonce: Buffer, serverNonce: Buffer): { key: Buffer; iv: Buffer } {
  const a = sha1(newNonce, serverNonce);
  const b = sha1(serverNonce, newNonce);
  const c = sha1(newNonce, newNonce);
  return { key: Buffer.concat([a, b.subarray(0, 12)]), iv: Buffer.concat([b.subarray(12), c, newNonce.subarray(0, 4)]) };
}

/** Runs req_pq_multi → req_DH_params → set_client_DH_params on `t` and returns the new auth key. */
export async function handshake(t: FullTransport, rsa: ServerRsaKey, dcId = 1): Promise<AuthKey> {
  const ids = new MsgIds();
  const nonce = randomBytes(16);
  const resPq = await plainCall(t, ids, new Api.ReqPqMulti({ nonce: leToTl(nonce) }));
  if (resPq.className !== 'ResPQ' || !resPq.nonce.eq(leToTl(nonce))) throw new Error(`unexpected ${resPq.className} or nonce`);
  if (!resPq.serverPublicKeyFingerprints.some((f: any) => f.toString() === rsa.fingerprint)) throw new Error('the server does not offer the expected RSA key');
  const serverNonce = tlToLe(resPq.serverNonce, 16);
  const pq = beToBig(resPq.pq);
  const [p, q] = factorPq(pq);
  const newNonce = randomBytes(32);
  const inner = new Api.PQInnerDataDc({ pq: resPq.pq, p: bigToBe(p), q: bigToBe(q), nonce: resPq.nonce, serverNonce: resPq.serverNonce, newNonce: leToTl(newNonce), dc: dcId }).getBytes();
  const dhParams = await plainCall(t, ids, new Api.ReqDHParams({
    nonce: resPq.nonce, serverNonce: resPq.serverNonce, p: bigToBe(p), q: bigToBe(q),
    publicKeyFingerprint: bigInt(rsa.fingerprint), encryptedData: rsaPad(inner, rsa),
  }));
  if (dhParams.className !== 'ServerDHParamsOk') throw new Error(`unexpected ${dhParams.className}`);
  const tmp = tmpAes(newNonce, serverNonce);
  const answer = igeDecrypt(dhParams.encryptedAnswer, tmp.key, tmp.iv);
  const dhInner = readTl(answer.subarray(20));
  if (dhInner.className !== 'ServerDHInnerData') throw new Error(`unexpected ${dhInner.className}`);
  if (!sha1(answer.subarray(20, 20 + dhInner.getBytes().length)).equals(answer.subarray(0, 20))) throw new Error('server_DH_inner_data hash mismatch');
  const dhPrime = beToBig(dhInner.dhPrime);
  const b = beToBig(randomBytes(256));
  const gB = modPow(BigInt(dhInner.g), b, dhPrime);
  const clientInner = new Api.ClientDHInnerData({ nonce: resPq.nonce, serverNonce: resPq.serverNonce, retryId: bigInt(0), gB: bigToBe(gB) }).getBytes();
  const withHash = Buffer.concat([sha1(clientInner), clientInner]);
  const padded = Buffer.concat([withHash, randomBytes((16 - (withHash.length % 16)) % 16)]);
  const gen = await plainCall(t, ids, new Api.SetClientDHParams({ nonce: resPq.nonce, serverNonce: resPq.serverNonce, encryptedData: igeEncrypt(padded, tmp.key, tmp.iv) }));
  // The sandbox, like gramjs, keeps the auth key as the minimal big-endian bytes of g_a^b mod p.
  const key = bigToBe(modPow(beToBig(dhInner.gA), b, dhPrime));
  const keyHash = sha1(key);
  const expected = sha1(newNonce, Buffer.from([1]), keyHash.subarray(0, 8)).subarray(4, 20);
  if (gen.className !== 'DhGenOk' || !tlToLe(gen.newNonceHash1, 16).equals(expected)) throw new Error(`handshake ended with ${gen.className} or a wrong new_nonce_hash1`);
  return { key, id: keyHash.subarray(12, 20), salt: newNonce.readBigInt64LE(0) ^ serverNonce.readBigInt64LE(0) };
}

// ── MTProto 2.0 encrypted messages ────────────────────────────────────
export type WireMessage = MessageFields;

export function encryptMessage(key: AuthKey, m: WireMessage): Buffer {
  return encryptClientMessage(key.key, key.id, m).payload;
}

export function decryptMessage(key: AuthKey, packet: Buffer): WireMessage {
  if (packet.length === 4) throw new Error(`transport error ${packet.readInt32LE(0)}`);
  return decryptServerMessage(key.key, key.id, packet);
}

/** The messages a server message carries: itself, or a msg_container's list. */
export function unpackContainer(m: WireMessage): WireMessage[] {
  if (m.body.readUInt32LE(0) !== CONSTRUCTORS.msgContainer) return [m];
  const out: WireMessage[] = [];
  let at = 8;
  for (let i = 0, n = m.body.readInt32LE(4); i < n; i++) {
    const length = m.body.readInt32LE(at + 12);
    out.push({ ...m, msgId: m.body.readBigInt64LE(at), seqNo: m.body.readInt32LE(at + 8), body: m.body.subarray(at + 16, at + 16 + length) });
    at += 16 + length;
  }
  return out;
}

/** A msg_container body holding already-numbered messages. */
export function containerBody(messages: { msgId: bigint; seqNo: number; body: Buffer }[]): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32LE(CONSTRUCTORS.msgContainer, 0);
  head.writeInt32LE(messages.length, 4);
  return Buffer.concat([head, ...messages.flatMap((m) => {
    const h = Buffer.alloc(16);
    h.writeBigInt64LE(m.msgId, 0);
    h.writeInt32LE(m.seqNo, 8);
    h.writeInt32LE(m.body.length, 12);
    return [h, m.body];
  })]);
}

/** An rpc_result's req_msg_id and result body, or undefined for another constructor. */
export function rpcResultOf(m: WireMessage): { reqMsgId: bigint; result: Buffer } | undefined {
  if (m.body.readUInt32LE(0) !== CONSTRUCTORS.rpcResult) return undefined;
  return { reqMsgId: m.body.readBigInt64LE(4), result: m.body.subarray(12) };
}

/** rpc_error#2144ca19 error_code:int error_message:string, read by hand. */
export function rpcErrorOf(result: Buffer): { code: number; message: string } | undefined {
  if (result.readUInt32LE(0) !== CONSTRUCTORS.rpcError) return undefined;
  const first = result[8]!;
  const [head, length] = first < 254 ? [1, first] : [4, result.readUIntLE(9, 3)];
  return { code: result.readInt32LE(4), message: result.subarray(8 + head, 8 + head + length).toString('utf8') };
}

/** One session on one connection with a hand-made auth key: numbers, encrypts and reads messages. */
export class WireSession {
  readonly ids = new MsgIds();
  sessionId = randomBytes(8).readBigInt64LE(0);
  salt: bigint;
  #contentSent = 0;
  /** Every message the server sent, containers unpacked, in arrival order. */
  readonly received: WireMessage[] = [];

  private constructor(readonly transport: FullTransport, readonly key: AuthKey) {
    this.salt = key.salt;
  }

  /** Connects, runs the handshake by hand, and starts a session on the new key. */
  static async open(host: string, port: number, rsa: ServerRsaKey, dcId = 1): Promise<WireSession> {
    const t = await FullTransport.open(host, port);
    return new WireSession(t, await handshake(t, rsa, dcId));
  }

  /** Another connection with the same auth key (and a new session unless `sessionId` is given). */
  static async reuse(host: string, port: number, key: AuthKey, sessionId?: bigint): Promise<WireSession> {
    const s = new WireSession(await FullTransport.open(host, port), key);
    if (sessionId !== undefined) s.sessionId = sessionId;
    return s;
  }

  /** The next seq_no: odd and counting for content-related messages, even otherwise. */
  seqNo(contentRelated: boolean): number {
    return contentRelated ? this.#contentSent++ * 2 + 1 : this.#contentSent * 2;
  }

  /** Sends one message (an object with getBytes() or raw body bytes); returns its msg_id. */
  send(body: Buffer | { getBytes(): Buffer }, opts: { contentRelated?: boolean; msgId?: bigint; seqNo?: number; salt?: bigint; sessionId?: bigint } = {}): bigint {
    const msgId = opts.msgId ?? this.ids.next();
    const bytes = Buffer.isBuffer(body) ? body : body.getBytes();
    const seqNo = opts.seqNo ?? this.seqNo(opts.contentRelated ?? true);
    this.transport.send(encryptMessage(this.key, { salt: opts.salt ?? this.salt, sessionId: opts.sessionId ?? this.sessionId, msgId, seqNo, body: bytes }));
    return msgId;
  }

  /** Sends several messages in one msg_container; returns their msg_ids. */
  sendContainer(items: { body: Buffer | { getBytes(): Buffer }; contentRelated?: boolean }[]): bigint[] {
    const inner = items.map((i) => ({ msgId: this.ids.next(), seqNo: this.seqNo(i.contentRelated ?? true), body: Buffer.isBuffer(i.body) ? i.body : i.body.getBytes() }));
    this.send(containerBody(inner), { contentRelated: false });
    return inner.map((i) => i.msgId);
  }

  /** Waits for a server message matching `match` (looking at those already received first). */
  async waitFor(match: (m: WireMessage) => boolean, what: string, timeoutMs = 5000): Promise<WireMessage> {
    const deadline = Date.now() + timeoutMs;
    for (let seen = 0; ; ) {
      for (; seen < this.received.length; seen++) if (match(this.received[seen]!)) return this.received[seen]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; got constructors ${this.received.map((m) => m.body.readUInt32LE(0).toString(16)).join(', ')}`);
      const packet = await this.transport.recv(left).catch((err) => { throw new Error(`waiting for ${what}: ${(err as Error).message}`); });
      this.received.push(...unpackContainer(decryptMessage(this.key, packet)));
    }
  }

  /** The rpc_result answering `reqMsgId`. */
  async result(reqMsgId: bigint, timeoutMs = 5000): Promise<{ message: WireMessage; result: Buffer }> {
    const message = await this.waitFor((m) => rpcResultOf(m)?.reqMsgId === reqMsgId, `rpc_result for ${reqMsgId}`, timeoutMs);
    return { message, result: rpcResultOf(message)!.result };
  }

  /** Reads whatever arrives within `ms` (to show something was not answered). */
  async drain(ms: number): Promise<void> {
    await this.waitFor(() => false, 'nothing', ms).catch(() => {});
  }

  close(): void {
    this.transport.close();
  }
}

export const constructorOf = (m: WireMessage): number => m.body.readUInt32LE(0);
