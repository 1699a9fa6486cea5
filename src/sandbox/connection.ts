// One client TCP connection to a sandbox DC: transport framing, the unencrypted handshake, then MTProto 2.0
// encrypted messages (core.telegram.org/mtproto/description): salts, sessions, acks, pings, containers, RPC.
import type { Socket } from 'node:net';
import { igeDecrypt, igeEncrypt, messageKeyIv, randomBytes, sha256 } from './crypto.ts';
import { ServerTransport, quickAckToken } from './transports/detect.ts';
import { Handshake, HandshakeError } from './handshake.ts';
import { RpcError, badRequest } from './errors.ts';
import { Api, ID, int32, long, readObject, rpcErrorBytes, toBig, uint32, type TLObject } from './tl.ts';
import type { AuthKeyRecord, DcServer } from './dc.ts';
import { openSession, type Received, type SentMessage, type SessionState } from './session-state.ts';
import { layerError, readInbound, type Inbound } from './request-reader.ts';
import { serviceAnswer } from './service-messages.ts';
import { SocketWriter } from './socket-writer.ts';

/** Requests that wrap another request; their fields matter only for bookkeeping. */
const WRAPPERS = new Set(['InvokeWithLayer', 'InitConnection', 'InvokeWithoutUpdates', 'InvokeAfterMsg', 'InvokeAfterMsgs', 'InvokeWithTakeout']);

export class Connection {
  readonly #transport = new ServerTransport();
  #handshake?: Handshake;
  key?: AuthKeyRecord;
  sessionId?: bigint;
  #session?: SessionState;
  #lastMsgId = 0n;
  #lastAnsweredReq = 0n;
  #outbox: SentMessage[] = [];
  readonly #out: SocketWriter;
  /**
   * Set by the first request that is neither wrapped in invokeWithoutUpdates nor a file query: Telegram pushes
   * updates to such sessions (core.telegram.org/api/updates), on the account's home DC only.
   */
  receivesUpdates = false;
  #closed = false;
  #pingTimer?: NodeJS.Timeout;
  #pendingAcks: bigint[] = [];
  /** What a frozen DC received, handled in order when it thaws (what it would have sent waits in #out). */
  #heldIn: Buffer[] = [];
  /** A transport error to answer as soon as the client's transport is known (a connection over the DC's limit). */
  #refusal?: number;

  constructor(readonly socket: Socket, readonly dc: DcServer) {
    this.#out = new SocketWriter(socket, {
      frozen: () => dc.frozen,
      splitWrites: () => dc.faults.splitWrites,
      closed: () => this.#closed,
      onReset: () => this.close(),
    });
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
    const packets = this.#heldIn;
    this.#heldIn = [];
    this.#out.release();
    for (const packet of packets) this.#handle(packet);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heldIn = [];
    this.#out.drop();
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
    if (this.#refusal !== undefined) {
      if (this.#transport.name !== undefined && !this.#closed) this.#sendRefusal(this.#refusal);
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
      this.#out.emit(this.#transport.errorFrame(-404));
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
    this.#handshake ??= new Handshake(this.dc.sandbox.rsa, this.dc.id);
    let handled: ReturnType<Handshake['handle']>;
    try {
      handled = this.#handshake.handle(request);
    } catch (err) {
      if (!(err instanceof HandshakeError)) throw err;
      this.dc.sandbox.log('auth key exchange refused', { dc: this.dc.id, reason: err.message });
      return this.#out.emit(this.#transport.errorFrame(err.transportCode));
    }
    const { answer, authKey } = handled;
    if (authKey) {
      this.dc.registerAuthKey(authKey);
      this.dc.sandbox.counters.handshakes++;
    }
    const body = answer.getBytes();
    const out = Buffer.concat([Buffer.alloc(8), long(this.#nextMsgId(true)), int32(body.length), body]);
    this.#write(false, out);
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
    if (this.#transport.quickAckRequested(packet)) this.#out.emit(this.#transport.quickAck(quickAckToken(msgKeyLarge)));
    const salt = plain.readBigInt64LE(0);
    const sessionId = plain.readBigInt64LE(8);
    const msgId = plain.readBigInt64LE(16);
    const seqNo = plain.readInt32LE(24);
    const length = plain.readInt32LE(28);
    if (length < 0 || 32 + length > plain.length) return this.close();
    const body = plain.subarray(32, 32 + length);

    if (this.#session?.id !== sessionId) {
      const { session, created } = openSession(key, sessionId, msgId);
      this.#session = session;
      this.sessionId = sessionId;
      // Only a session new to the server is announced; a reconnect that keeps its session gets nothing.
      if (created) this.#send(new Api.NewSessionCreated({ firstMsgId: toBig(msgId), uniqueId: toBig(randomBytes(8).readBigInt64LE(0)), serverSalt: toBig(key.salt) }).getBytes(), false);
    }
    if (salt !== key.salt) {
      this.dc.sandbox.counters.badServerSalts++;
      // The client learns the salt from bad_server_salt and resends (core.telegram.org/mtproto/service_messages_about_messages).
      this.#send(new Api.BadServerSalt({ badMsgId: toBig(msgId), badMsgSeqno: seqNo, errorCode: 48, newServerSalt: toBig(key.salt) }).getBytes(), false);
      return;
    }
    const messages = await readInbound(msgId, seqNo, body);
    if (messages.length === 1) return this.#onMessage(messages[0]!);
    await Promise.all(messages.map((m) => this.#onMessage(m)));
  }

  async #onMessage({ msgId, seqNo, obj, error }: Inbound): Promise<void> {
    const session = this.#session!;
    const contentRelated = (seqNo & 1) === 1;
    const received = session.noteReceived(msgId, contentRelated);
    if (contentRelated) {
      this.#queueAck(msgId);
      received.acked = true;
    }
    if (error || typeof obj !== 'object' || obj === null || !obj.className) {
      received.query = true;
      return this.#answerError(msgId, error ?? badRequest(`INPUT_METHOD_INVALID_${typeof obj === 'boolean' ? (obj ? ID.boolTrue : ID.boolFalse) : 0}`));
    }
    const answered = serviceAnswer(obj, msgId, session, this.key!);
    if (answered === undefined) return this.#onRequest(msgId, obj, received);
    for (const a of answered) {
      if (a.kind === 'resend') this.#resend(a.message);
      else if (a.kind === 'rpc-result') this.#sendRpcResult(msgId, [a.body]);
      else this.#send(a.body, a.contentRelated, a.response);
    }
    if (obj.className === 'PingDelayDisconnect') {
      clearTimeout(this.#pingTimer);
      this.#pingTimer = setTimeout(() => this.close(), obj.disconnectDelay * 1000);
      this.#pingTimer.unref();
    }
  }

  async #onRequest(msgId: bigint, request: TLObject, received: Received): Promise<void> {
    received.query = true;
    let inner = request;
    let withoutUpdates = false;
    while (WRAPPERS.has(inner.className)) {
      if (inner.className === 'InvokeWithoutUpdates') withoutUpdates = true;
      if (inner.className === 'InvokeWithLayer') {
        const refused = layerError(inner.layer);
        if (refused) return this.#answerError(msgId, refused);
      }
      inner = inner.query;
    }
    // File queries never subscribe a connection (core.telegram.org/method/invokeWithoutUpdates).
    if (!withoutUpdates && !inner.className.startsWith('upload.')) this.receivesUpdates = true;
    let result: Buffer[];
    try {
      result = await this.dc.sandbox.dispatch(this, inner, msgId);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      this.dc.sandbox.countError(err.errorMessage);
      result = [rpcErrorBytes(err.code, err.errorMessage)];
    }
    if (this.#closed) return;
    const delay = this.dc.sandbox.latencyMs(this.dc.id) + this.dc.faults.answerDelayMs();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.#session!.dropped.delete(msgId)) return;
    received.answered = true;
    this.#sendRpcResult(msgId, result);
  }

  #answerError(msgId: bigint, err: RpcError): void {
    this.dc.sandbox.countError(err.errorMessage);
    this.dc.sandbox.log('request refused', { dc: this.dc.id, error: err.errorMessage });
    this.#sendRpcResult(msgId, [rpcErrorBytes(err.code, err.errorMessage)]);
  }

  #sendRpcResult(reqMsgId: bigint, result: Buffer[]): void {
    const faults = this.dc.faults;
    if (reqMsgId < this.#lastAnsweredReq) faults.reorderedAnswers++;
    else this.#lastAnsweredReq = reqMsgId;
    let cut = false;
    if (faults.resetsPending > 0 && !this.#closed && !this.#out.cutting) {
      faults.resetsPending--;
      faults.resetsDone++;
      cut = true;
    }
    this.#send([int32(ID.rpcResult), long(reqMsgId), ...result], true, true, cut);
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

  /**
   * Sends one message; `body` may come in parts so a large answer is copied once, into the plaintext. Content-related
   * messages are kept until the client acknowledges them, for msg_resend_req. `cut` sends half of it and resets.
   */
  #send(body: Buffer | Buffer[], contentRelated: boolean, response = false, cut = false): void {
    const session = this.#session;
    if (!this.key || this.#closed || !session) return;
    const parts = Array.isArray(body) ? body : [body];
    const message: SentMessage = {
      msgId: this.#nextMsgId(response),
      seqNo: contentRelated ? session.contentSent++ * 2 + 1 : session.contentSent * 2,
      parts,
      bytes: parts.reduce((n, p) => n + p.length, 0),
    };
    if (contentRelated) session.hold(message);
    if (this.dc.faults.splitWrites && !cut) return this.#queueForContainer(message);
    this.#write(cut, ...this.#encrypt(message));
  }

  /** Sends a held message again with its own msg_id and seq_no (core.telegram.org/mtproto/service_messages_about_messages). */
  #resend(message: SentMessage): void {
    this.#write(false, ...this.#encrypt(message));
  }

  /** While writes are split, messages of one tick travel in one msg_container, which is then written in pieces. */
  #queueForContainer(message: SentMessage): void {
    this.#outbox.push(message);
    if (this.#outbox.length > 1) return;
    setImmediate(() => {
      const batch = this.#outbox;
      this.#outbox = [];
      if (this.#closed || !batch.length) return;
      if (batch.length === 1) return this.#write(false, ...this.#encrypt(batch[0]!));
      const inner: Buffer[] = [uint32(ID.msgContainer), int32(batch.length)];
      for (const m of batch) {
        const head = Buffer.allocUnsafe(16);
        head.writeBigInt64LE(m.msgId, 0);
        head.writeInt32LE(m.seqNo, 8);
        head.writeInt32LE(m.bytes, 12);
        inner.push(head, ...m.parts);
      }
      const container: SentMessage = { msgId: this.#nextMsgId(false), seqNo: this.#session!.contentSent * 2, parts: inner, bytes: inner.reduce((n, p) => n + p.length, 0) };
      this.dc.faults.containersSent++;
      this.#write(false, ...this.#encrypt(container));
    });
  }

  #encrypt(message: SentMessage): Buffer[] {
    const key = this.key!;
    const header = Buffer.allocUnsafe(32);
    header.writeBigInt64LE(key.salt, 0);
    header.writeBigInt64LE(this.#session!.id, 8);
    header.writeBigInt64LE(message.msgId, 16);
    header.writeInt32LE(message.seqNo, 24);
    header.writeInt32LE(message.bytes, 28);
    const unpadded = 32 + message.bytes;
    const padding = randomBytes(((16 - (unpadded % 16)) % 16) + 16);
    const plain = Buffer.concat([header, ...message.parts, padding]);
    const msgKey = sha256(key.key.subarray(96, 128), plain).subarray(8, 24);
    const { key: aesKey, iv } = messageKeyIv(key.key, msgKey, 8);
    return [key.keyIdBytes, msgKey, igeEncrypt(plain, aesKey, iv)];
  }

  /**
   * Answers a connection over the DC's limit with transport error `code` (-429) and closes once it is written. The
   * error is framed in the client's transport, which its first bytes tell: until they come, nothing is sent.
   */
  refuse(code: number): void {
    this.#refusal = code;
    this.dc.connectionClosed(this);
    // A client that never sends a byte is not waited for.
    setTimeout(() => this.close(), 10_000).unref();
  }

  #sendRefusal(code: number): void {
    const framed = this.#transport.errorFrame(code);
    this.#closed = true;
    this.socket.end(Buffer.concat(framed), () => this.socket.destroy());
  }

  #write(cut: boolean, ...parts: Buffer[]): void {
    if (this.#closed || this.#out.cutting) return;
    this.#out.emit(this.#transport.frame(parts), cut);
  }
}
