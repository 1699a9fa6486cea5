// The client end of MTProto on the wire, written from core.telegram.org/mtproto/mtproto-transports and
// /mtproto/description independently of the sandbox's server code, so tests can speak to a DC byte by byte: the four
// TCP transports (plain or obfuscated), plain messages (req_pq_multi → resPQ) and MTProto 2.0 encrypted messages.
import { connect, type Socket } from 'node:net';
import { createCipheriv, createHash, randomBytes, randomInt, type Cipher } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { decryptServerMessage, encryptClientMessage, type MessageFields } from './mtproto-messages.ts';

export type WireTransport = 'abridged' | 'intermediate' | 'padded-intermediate' | 'full';
export const WIRE_TRANSPORTS: readonly WireTransport[] = ['abridged', 'intermediate', 'padded-intermediate', 'full'];

/** What a server packet turned out to be. */
export type ServerFrame =
  | { kind: 'payload'; payload: Buffer }
  | { kind: 'quickAck'; token: number }
  | { kind: 'error'; code: number };

const sha = (alg: 'sha1' | 'sha256', ...parts: Uint8Array[]): Buffer => {
  const h = createHash(alg);
  for (const p of parts) h.update(p);
  return h.digest();
};

// ── transports, client side ─────────────────────────────────────────────

/** Bytes the server sent, not yet read as frames. */
export class Inbox {
  #buf: Buffer = Buffer.alloc(0);
  push(data: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, data]) : data;
  }
  get length(): number {
    return this.#buf.length;
  }
  peek(n: number): Buffer {
    return this.#buf.subarray(0, n);
  }
  take(n: number): Buffer {
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }
}

export interface ClientCodec {
  /** What a plain (not obfuscated) connection sends first. */
  readonly tag: Buffer;
  /** The 4 bytes an obfuscation header carries at offset 56. */
  readonly obfuscatedTag: Buffer;
  encode(payload: Buffer, opts?: { quickAck?: boolean }): Buffer;
  /** The next complete server frame, or undefined until more bytes arrive. */
  decode(inbox: Inbox): ServerFrame | undefined;
}

/** A 4-byte payload is a transport error: a negative int32 code (#transport-errors). */
const payloadFrame = (payload: Buffer): ServerFrame =>
  payload.length === 4 ? { kind: 'error', code: payload.readInt32LE(0) } : { kind: 'payload', payload };

function abridgedCodec(): ClientCodec {
  return {
    tag: Buffer.from([0xef]),
    obfuscatedTag: Buffer.from([0xef, 0xef, 0xef, 0xef]),
    encode(payload, { quickAck = false } = {}) {
      const words = payload.length / 4;
      const flag = quickAck ? 0x80 : 0;
      if (words < 0x7f) return Buffer.concat([Buffer.from([words | flag]), payload]);
      const head = Buffer.alloc(4);
      head[0] = 0x7f | flag;
      head.writeUIntLE(words, 1, 3);
      return Buffer.concat([head, payload]);
    },
    decode(inbox) {
      if (inbox.length < 1) return undefined;
      const first = inbox.peek(1)[0]!;
      if (first & 0x80) {
        // a quick ack, byte-swapped so its top bit comes first
        if (inbox.length < 4) return undefined;
        return { kind: 'quickAck', token: inbox.take(4).readUInt32BE(0) };
      }
      let head = 1;
      let words = first;
      if (first === 0x7f) {
        if (inbox.length < 4) return undefined;
        head = 4;
        words = inbox.peek(4).readUIntLE(1, 3);
      }
      if (inbox.length < head + words * 4) return undefined;
      inbox.take(head);
      return payloadFrame(inbox.take(words * 4));
    },
  };
}

function intermediateCodec(padded: boolean): ClientCodec {
  const tag = Buffer.alloc(4, padded ? 0xdd : 0xee);
  return {
    tag,
    obfuscatedTag: tag,
    encode(payload, { quickAck = false } = {}) {
      const padding = padded ? randomBytes(randomInt(16)) : Buffer.alloc(0);
      const head = Buffer.alloc(4);
      head.writeUInt32LE((payload.length + padding.length + (quickAck ? 0x80000000 : 0)) >>> 0, 0);
      return Buffer.concat([head, payload, padding]);
    },
    decode(inbox) {
      if (inbox.length < 4) return undefined;
      const raw = inbox.peek(4).readUInt32LE(0);
      if (!padded && raw >= 0x80000000) return { kind: 'quickAck', token: inbox.take(4).readUInt32LE(0) };
      if (inbox.length < 4 + raw) return undefined;
      inbox.take(4);
      const packet = inbox.take(raw);
      if (!padded) return payloadFrame(packet);
      // Padded: short packets are quick acks (0xffffffff first) or transport errors; padding follows either.
      if (packet.length <= 16 && packet.readUInt32LE(0) === 0xffffffff) return { kind: 'quickAck', token: packet.readUInt32LE(4) };
      if (packet.length < 20) return { kind: 'error', code: packet.readInt32LE(0) };
      return { kind: 'payload', payload: packet };
    },
  };
}

function fullCodec(): ClientCodec {
  let sendSeq = 0;
  let recvSeq = 0;
  return {
    tag: Buffer.alloc(0),
    obfuscatedTag: Buffer.alloc(4), // the full transport has no obfuscated form; servers refuse any unknown tag
    encode(payload) {
      const head = Buffer.alloc(8);
      head.writeInt32LE(payload.length + 12, 0);
      head.writeInt32LE(sendSeq++, 4);
      const tail = Buffer.alloc(4);
      tail.writeUInt32LE(crc32(payload, crc32(head)), 0);
      return Buffer.concat([head, payload, tail]);
    },
    decode(inbox) {
      if (inbox.length < 4) return undefined;
      const length = inbox.peek(4).readInt32LE(0);
      if (inbox.length < length) return undefined;
      const packet = inbox.take(length);
      const seq = packet.readInt32LE(4);
      if (seq !== recvSeq++) throw new Error(`full transport: server seqno ${seq}, expected ${recvSeq - 1}`);
      if (crc32(packet.subarray(0, length - 4)) !== packet.readUInt32LE(length - 4)) throw new Error('full transport: bad server checksum');
      return payloadFrame(packet.subarray(8, length - 4));
    },
  };
}

export function clientCodec(transport: WireTransport): ClientCodec {
  switch (transport) {
    case 'abridged': return abridgedCodec();
    case 'intermediate': return intermediateCodec(false);
    case 'padded-intermediate': return intermediateCodec(true);
    case 'full': return fullCodec();
  }
}

export interface ObfuscationStreams {
  /** The 64 bytes to send first. */
  header: Buffer;
  encrypt: Cipher;
  decrypt: Cipher;
}

/** A client's obfuscation header (#transport-obfuscation) for `tag`, with the streams that go with it. */
export function obfuscationHeader(tag: Buffer, dcId = 0): ObfuscationStreams {
  const reserved = new Set([0x44414548, 0x54534f50, 0x20544547, 0x4954504f, 0x02010316, 0xdddddddd, 0xeeeeeeee]);
  let init: Buffer;
  do init = randomBytes(64);
  while (init[0] === 0xef || reserved.has(init.readUInt32LE(0)) || init.readUInt32LE(4) === 0);
  tag.copy(init, 56);
  init.writeInt16LE(dcId, 60);
  const reversed = Buffer.from(init).reverse();
  const encrypt = createCipheriv('aes-256-ctr', init.subarray(8, 40), init.subarray(40, 56));
  const decrypt = createCipheriv('aes-256-ctr', reversed.subarray(8, 40), reversed.subarray(40, 56));
  const encrypted = encrypt.update(init);
  return { header: Buffer.concat([init.subarray(0, 56), encrypted.subarray(56, 64)]), encrypt, decrypt };
}

// ── a raw client connection ───────────────────────────────────────────

export interface WireConnectOptions {
  host?: string;
  obfuscated?: boolean;
  /** The obfuscation header's DC id field. */
  dcId?: number;
  /** Sent before anything else instead of the transport's own first bytes (for refusal tests). */
  firstBytes?: Buffer;
}

/** One TCP connection to a DC speaking `transport`, frames in and out by hand. */
export class WireClient {
  readonly codec: ClientCodec;
  /** Every byte the server sent, as it came off the socket (still encrypted under obfuscation). */
  readonly raw: Buffer[] = [];
  readonly closed: Promise<void>;
  #socket: Socket;
  #inbox = new Inbox();
  #obfuscation?: ObfuscationStreams;
  #frames: ServerFrame[] = [];
  #waiters: (() => void)[] = [];
  #ended = false;
  #error?: Error;

  private constructor(socket: Socket, readonly transport: WireTransport, opts: WireConnectOptions) {
    this.#socket = socket;
    this.codec = clientCodec(transport);
    if (opts.obfuscated) this.#obfuscation = obfuscationHeader(this.codec.obfuscatedTag, opts.dcId);
    socket.on('data', (data) => this.#onData(data));
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.#ended = true;
      this.#wake();
      resolve();
    }));
    socket.on('error', () => {});
    if (opts.firstBytes) socket.write(opts.firstBytes);
    else socket.write(this.#obfuscation ? this.#obfuscation.header : this.codec.tag);
  }

  static async connect(port: number, transport: WireTransport, opts: WireConnectOptions = {}): Promise<WireClient> {
    const socket = connect(port, opts.host ?? '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    return new WireClient(socket, transport, opts);
  }

  /** Frames (and encrypts, when obfuscated) one payload; `chunkSize` writes it in pieces of that many bytes. */
  send(payload: Buffer, opts: { quickAck?: boolean; chunkSize?: number } = {}): void {
    this.write(this.codec.encode(payload, opts), opts.chunkSize);
  }

  /** Writes bytes through the obfuscation stream if any, in pieces of `chunkSize` bytes when given. */
  write(bytes: Buffer, chunkSize = bytes.length): void {
    const out = this.#obfuscation ? this.#obfuscation.encrypt.update(bytes) : bytes;
    for (let i = 0; i < out.length; i += Math.max(1, chunkSize)) this.#socket.write(out.subarray(i, i + Math.max(1, chunkSize)));
  }

  /** The next server frame; fails if the connection closes first or nothing comes within `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<ServerFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#error) throw this.#error;
      const frame = this.#frames.shift();
      if (frame) return frame;
      if (this.#ended) throw new Error(`${this.transport}: connection closed while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.transport}: no frame within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
  }

  /** The next frame that is a payload (skipping nothing else: a quick ack or error here fails). */
  async nextPayload(timeoutMs?: number): Promise<Buffer> {
    const frame = await this.next(timeoutMs);
    if (frame.kind !== 'payload') throw new Error(`${this.transport}: expected a payload, got ${JSON.stringify(frame)}`);
    return frame.payload;
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(data: Buffer): void {
    this.raw.push(data);
    this.#inbox.push(this.#obfuscation ? this.#obfuscation.decrypt.update(data) : data);
    try {
      for (let f = this.codec.decode(this.#inbox); f; f = this.codec.decode(this.#inbox)) this.#frames.push(f);
    } catch (err) {
      this.#error = err as Error;
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

// ── MTProto messages ──────────────────────────────────────────────────

let lastMsgId = 0n;
/** A client msg_id: unixtime << 32 with the fraction below, divisible by 4, increasing. */
export function clientMsgId(): bigint {
  const now = Date.now();
  let id = ((BigInt(Math.floor(now / 1000)) << 32n) | BigInt((now % 1000) * 4_000_000)) & ~3n;
  if (id <= lastMsgId) id = lastMsgId + 4n;
  lastMsgId = id;
  return id;
}

/** An unencrypted message: auth_key_id 0, msg_id, length, body. */
export function plainMessage(body: Buffer, msgId = clientMsgId()): Buffer {
  const head = Buffer.alloc(20);
  head.writeBigInt64LE(msgId, 8);
  head.writeInt32LE(body.length, 16);
  return Buffer.concat([head, body]);
}

export function readPlainMessage(payload: Buffer): { msgId: bigint; body: Buffer } {
  if (payload.readBigUInt64LE(0) !== 0n) throw new Error('not a plain message: auth_key_id is not 0');
  const length = payload.readInt32LE(16);
  return { msgId: payload.readBigInt64LE(8), body: payload.subarray(20, 20 + length) };
}

export const REQ_PQ_MULTI = 0xbe7e8ef1;
export const RES_PQ = 0x05162463;

/** req_pq_multi#be7e8ef1 nonce:int128 */
export function reqPqMulti(nonce: Buffer): Buffer {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(REQ_PQ_MULTI, 0);
  nonce.copy(b, 4);
  return b;
}

/** resPQ#05162463 nonce:int128 server_nonce:int128 …: the two nonces. */
export function readResPQ(body: Buffer): { nonce: Buffer; serverNonce: Buffer } {
  const id = body.readUInt32LE(0);
  if (id !== RES_PQ) throw new Error(`expected resPQ, got constructor 0x${id.toString(16)}`);
  return { nonce: body.subarray(4, 20), serverNonce: body.subarray(20, 36) };
}

export interface AuthKey {
  key: Buffer;
  /** auth_key_id = the low 64 bits of SHA1(auth_key), as bytes on the wire. */
  id: Buffer;
}

export function randomAuthKey(): AuthKey {
  const key = randomBytes(256);
  return { key, id: sha('sha1', key).subarray(12, 20) };
}

export type { MessageFields } from './mtproto-messages.ts';

/** A client → server encrypted message, and the quick-ack token the server answers it with (#quick-ack). */
export function encryptedMessage(authKey: AuthKey, m: MessageFields): { payload: Buffer; quickAckToken: number } {
  return encryptClientMessage(authKey.key, authKey.id, m);
}

/** Decrypts a server → client message and checks its msg_key. */
export function decryptMessage(authKey: AuthKey, payload: Buffer): MessageFields {
  return decryptServerMessage(authKey.key, authKey.id, payload);
}

export const PING = 0x7abe77ec;
export const PONG = 0x347773c5;

/** ping#7abe77ec ping_id:long */
export function ping(pingId: bigint): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(PING, 0);
  b.writeBigInt64LE(pingId, 4);
  return b;
}
