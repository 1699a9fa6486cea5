// One client TCP connection to a sandbox DC: transport framing, the unencrypted handshake, then MTProto 2.0
// encrypted messages (core.telegram.org/mtproto/description): salts, sessions, acks, pings, containers, RPC.
import type { Socket } from 'node:net';
import { igeDecrypt, igeEncrypt, messageKeyIv, randomBytes, sha256 } from './crypto.ts';
import { ServerTransport, quickAckToken } from './transports/detect.ts';
import { Handshake } from './handshake.ts';
import { RpcError } from './errors.ts';
import { Api, ID, int32, long, readObject, rpcErrorBytes, toBig, type TLObject } from './tl.ts';
import type { AuthKeyRecord, DcServer } from './dc.ts';

/** Requests that wrap another request; their fields matter only for bookkeeping. */
const WRAPPERS = new Set(['InvokeWithLayer', 'InitConnection', 'InvokeWithoutUpdates', 'InvokeAfterMsg', 'InvokeAfterMsgs', 'InvokeWithTakeout']);

export class Connection {
  readonly #transport = new ServerTransport();
  #handshake?: Handshake;
  key?: AuthKeyRecord;
  sessionId?: bigint;
  #seq = 0;
  #lastMsgId = 0n;
  /**
   * Set by the first request that is neither wrapped in invokeWithoutUpdates nor a file query: Telegram pushes
   * updates to such sessions (core.telegram.org/api/updates), on the account's home DC only.
   */
  receivesUpdates = false;
  #closed = false;
  #pingTimer?: NodeJS.Timeout;
  #pendingAcks: bigint[] = [];
  /** What a frozen DC received (packets) and would have sent (framed parts), released in order when it thaws. */
  #heldIn: Buffer[] = [];
  #heldOut: Buffer[][] = [];

  constructor(readonly socket: Socket, readonly dc: DcServer) {
    socket.setNoDelay(true);
    socket.on('data', (data) => this.#onData(data));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The client's transport as its first bytes told it, e.g. 'obfuscated abridged'; undefined before they arrive. */
  get transport(): string | undefined {
    return this.#transport.name;
  }

  get heldPackets(): number {
    return this.#heldIn.length;
  }

  /** The DC's freeze ended: send what was held back, then handle what arrived meanwhile. */
  thaw(): void {
    const out = this.#heldOut;
    const packets = this.#heldIn;
    this.#heldOut = [];
    this.#heldIn = [];
    for (const parts of out) this.#writeFramed(parts);
    for (const packet of packets) this.#handle(packet);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heldIn = [];
    this.#heldOut = [];
    clearTimeout(this.#pingTimer);
    this.socket.destroy();
    this.dc.connectionClosed(this);
  }

  #onData(data: Buffer): void {
    let packets: Buffer[];
    try {
      packets = this.#transport.push(data);
    } catch (err) {
      this.dc.sandbox.log('transport error', { dc: this.dc.id, transport: this.#transport.name, error: (err as Error).message });
      this.close();
      return;
    }
    if (this.dc.frozen) {
      this.#heldIn.push(...packets);
      this.dc.sandbox.counters.heldPackets += packets.length;
      return;
    }
    for (const packet of packets) this.#handle(packet);
  }

  #handle(packet: Buffer): void {
    this.#onPacket(packet).catch((err) => {
      this.dc.sandbox.log('connection error', { dc: this.dc.id, error: (err as Error).stack });
      this.close();
    });
  }

  async #onPacket(packet: Buffer): Promise<void> {
    if (packet.length < 8) return this.close();
    const keyId = packet.subarray(0, 8);
    if (keyId.every((b) => b === 0)) return this.#onPlain(packet);
    const key = this.dc.authKeys.get(keyId.toString('hex'));
    if (!key) {
      // Telegram answers an unknown auth key with transport error -404; clients then create a new key.
      this.dc.sandbox.counters.unknownAuthKeys++;
      this.#emit(this.#transport.errorFrame(-404));
      return;
    }
    if (this.key && this.key !== key) return this.close();
    this.key = key;
    await this.#onEncrypted(packet, key);
  }

  // ── unencrypted: the auth key exchange ───────────────────────────────
  async #onPlain(packet: Buffer): Promise<void> {
    const length = packet.readInt32LE(16);
    const request = readObject(packet.subarray(20, 20 + length));
    this.#handshake ??= new Handshake(this.dc.sandbox.rsa);
    const { answer, authKey } = this.#handshake.handle(request);
    if (authKey) {
      this.dc.registerAuthKey(authKey);
      this.dc.sandbox.counters.handshakes++;
    }
    const body = answer.getBytes();
    const out = Buffer.concat([Buffer.alloc(8), long(this.#nextMsgId(true)), int32(body.length), body]);
    this.#write(out);
  }

  // ── encrypted messages ───────────────────────────────────────────────
  async #onEncrypted(packet: Buffer, key: AuthKeyRecord): Promise<void> {
    const msgKey = packet.subarray(8, 24);
    const { key: aesKey, iv } = messageKeyIv(key.key, msgKey, 0);
    const plain = igeDecrypt(packet.subarray(24), aesKey, iv);
    const msgKeyLarge = sha256(key.key.subarray(88, 120), plain);
    if (!msgKeyLarge.subarray(8, 24).equals(msgKey)) {
      this.dc.sandbox.log('msg_key mismatch', { dc: this.dc.id });
      return this.close();
    }
    if (this.#transport.quickAckRequested(packet)) this.#emit(this.#transport.quickAck(quickAckToken(msgKeyLarge)));
    const salt = plain.readBigInt64LE(0);
    const sessionId = plain.readBigInt64LE(8);
    const msgId = plain.readBigInt64LE(16);
    const seqNo = plain.readInt32LE(24);
    const length = plain.readInt32LE(28);
    if (length < 0 || 32 + length > plain.length) return this.close();
    const body = plain.subarray(32, 32 + length);

    if (this.sessionId !== sessionId) {
      this.sessionId = sessionId;
      this.#seq = 0;
      this.#send(new Api.NewSessionCreated({ firstMsgId: toBig(msgId), uniqueId: toBig(randomBytes(8).readBigInt64LE(0)), serverSalt: toBig(key.salt) }).getBytes(), false);
    }
    if (salt !== key.salt) {
      this.dc.sandbox.counters.badServerSalts++;
      // The client learns the salt from bad_server_salt and resends (core.telegram.org/mtproto/service_messages_about_messages).
      this.#send(new Api.BadServerSalt({ badMsgId: toBig(msgId), badMsgSeqno: seqNo, errorCode: 48, newServerSalt: toBig(key.salt) }).getBytes(), false);
      return;
    }
    await this.#onMessage(msgId, seqNo, await readObject(body));
  }

  async #onMessage(msgId: bigint, seqNo: number, obj: TLObject): Promise<void> {
    obj = await obj;
    if ((seqNo & 1) === 1) this.#queueAck(msgId);
    switch (obj.className ?? obj.constructor?.name) {
      case 'MessageContainer':
        await Promise.all(obj.messages.map((m: any) => this.#onMessage(BigInt(m.msgId.toString()), m.seqNo, m.obj)));
        return;
      case 'GZIPPacked':
        return this.#onMessage(msgId, seqNo & ~1, readObject(obj.data));
      case 'MsgsAck':
        return;
      case 'Ping':
        this.#send(new Api.Pong({ msgId: toBig(msgId), pingId: obj.pingId }).getBytes(), false);
        return;
      case 'PingDelayDisconnect':
        this.#send(new Api.Pong({ msgId: toBig(msgId), pingId: obj.pingId }).getBytes(), false);
        clearTimeout(this.#pingTimer);
        this.#pingTimer = setTimeout(() => this.close(), obj.disconnectDelay * 1000);
        this.#pingTimer.unref();
        return;
      case 'DestroySession':
        this.#send(new Api.DestroySessionOk({ sessionId: obj.sessionId }).getBytes(), false);
        return;
      case 'GetFutureSalts': {
        const nowS = Math.floor(Date.now() / 1000);
        const salts = Array.from({ length: obj.num }, (_, i) => new Api.FutureSalt({ validSince: nowS + i * 3600, validUntil: nowS + (i + 1) * 3600, salt: toBig(this.key!.salt) }));
        this.#sendRpcResult(msgId, [new Api.FutureSalts({ reqMsgId: toBig(msgId), now: nowS, salts }).getBytes()]);
        return;
      }
      default:
        return this.#onRequest(msgId, obj);
    }
  }

  async #onRequest(msgId: bigint, request: TLObject): Promise<void> {
    let inner = request;
    let withoutUpdates = false;
    while (WRAPPERS.has(inner.className)) {
      if (inner.className === 'InvokeWithoutUpdates') withoutUpdates = true;
      inner = inner.query;
    }
    // File queries never subscribe a connection (core.telegram.org/method/invokeWithoutUpdates).
    if (!withoutUpdates && !inner.className.startsWith('upload.')) this.receivesUpdates = true;
    let result: Buffer[];
    try {
      result = await this.dc.sandbox.dispatch(this, inner);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      this.dc.sandbox.countError(err.errorMessage);
      result = [rpcErrorBytes(err.code, err.errorMessage)];
    }
    if (this.#closed) return;
    const latency = this.dc.sandbox.latencyMs(this.dc.id);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    this.#sendRpcResult(msgId, result);
  }

  #sendRpcResult(reqMsgId: bigint, result: Buffer[]): void {
    this.#send([int32(ID.rpcResult), long(reqMsgId), ...result], true, true);
  }

  /** Pushes an update (Updates object) to this connection; not a response, so its msg_id is ≡ 3 mod 4. */
  pushUpdate(updates: TLObject): void {
    if (this.#closed || !this.key) return;
    this.#send(updates.getBytes(), true, false);
  }

  #queueAck(msgId: bigint): void {
    this.#pendingAcks.push(msgId);
    if (this.#pendingAcks.length === 1) {
      setImmediate(() => {
        const ids = this.#pendingAcks;
        this.#pendingAcks = [];
        if (!this.#closed && this.key && ids.length) this.#send(new Api.MsgsAck({ msgIds: ids.map(toBig) }).getBytes(), false);
      });
    }
  }

  #nextMsgId(response: boolean): bigint {
    const t = Date.now();
    let id = (BigInt(Math.floor(t / 1000)) << 32n) | (BigInt((t % 1000) * 4_000_000) & 0xfffffffcn);
    if (id <= this.#lastMsgId) id = (this.#lastMsgId | 3n) + 1n;
    id = (id & ~3n) | (response ? 1n : 3n);
    this.#lastMsgId = id;
    return id;
  }

  /** Encrypts and sends one message; `body` may come in parts so a large answer is copied once, into the plaintext. */
  #send(body: Buffer | Buffer[], contentRelated: boolean, response = false): void {
    const key = this.key;
    if (!key || this.#closed || this.sessionId === undefined) return;
    const parts = Array.isArray(body) ? body : [body];
    const bodyLength = parts.reduce((n, p) => n + p.length, 0);
    const seqNo = contentRelated ? this.#seq++ * 2 + 1 : this.#seq * 2;
    const header = Buffer.allocUnsafe(32);
    header.writeBigInt64LE(key.salt, 0);
    header.writeBigInt64LE(this.sessionId, 8);
    header.writeBigInt64LE(this.#nextMsgId(response), 16);
    header.writeInt32LE(seqNo, 24);
    header.writeInt32LE(bodyLength, 28);
    const unpadded = 32 + bodyLength;
    const padding = randomBytes(((16 - (unpadded % 16)) % 16) + 16);
    const plain = Buffer.concat([header, ...parts, padding]);
    const msgKey = sha256(key.key.subarray(96, 128), plain).subarray(8, 24);
    const { key: aesKey, iv } = messageKeyIv(key.key, msgKey, 8);
    const cipher = igeEncrypt(plain, aesKey, iv);
    this.#write(key.keyIdBytes, msgKey, cipher);
  }

  #write(...parts: Buffer[]): void {
    if (this.#closed) return;
    this.#emit(this.#transport.frame(parts));
  }

  /** Framed packets leave in the order they were framed (an obfuscated stream depends on it), held while frozen. */
  #emit(framed: Buffer[]): void {
    if (this.#closed) return;
    if (this.dc.frozen) this.#heldOut.push(framed);
    else this.#writeFramed(framed);
  }

  #writeFramed(framed: Buffer[]): void {
    if (this.#closed) return;
    this.socket.cork();
    for (const part of framed) this.socket.write(part);
    this.socket.uncork();
  }
}
