// The server end of a client connection's transport, chosen the way Telegram's servers do from the first bytes
// (core.telegram.org/mtproto/mtproto-transports): 0xef abridged, 0xeeeeeeee intermediate, 0xdddddddd padded
// intermediate, a zero second int the full transport (its first seqno), and otherwise a 64-byte obfuscation header
// that names abridged, intermediate or padded intermediate inside.
import { ByteQueue } from './byte-queue.ts';
import { TransportError, type TransportCodec } from './codec.ts';
import { ABRIDGED_TAG, AbridgedCodec } from './abridged.ts';
import { INTERMEDIATE_TAG, IntermediateCodec } from './intermediate.ts';
import { PADDED_INTERMEDIATE_TAG, PaddedIntermediateCodec } from './padded-intermediate.ts';
import { FullCodec } from './full.ts';
import { OBFUSCATION_HEADER_LENGTH, acceptObfuscation } from './obfuscation.ts';
import type { Cipher, Decipher } from 'node:crypto';

export { TransportError, transportErrorPayload, quickAckToken, type TransportName } from './codec.ts';

/** First ints of the protocols Telegram also accepts on these ports and the sandbox does not speak (HTTP, fake TLS). */
const UNSUPPORTED = new Map<number, string>([
  [0x54534f50, 'HTTP (POST)'],
  [0x20544547, 'HTTP (GET)'],
  [0x44414548, 'HTTP (HEAD)'],
  [0x4954504f, 'HTTP (OPTIONS)'],
  [0x02010316, 'fake TLS'],
]);

const OBFUSCATED_CODECS = new Map<number, () => TransportCodec>([
  [0xefefefef, () => new AbridgedCodec()],
  [INTERMEDIATE_TAG, () => new IntermediateCodec()],
  [PADDED_INTERMEDIATE_TAG, () => new PaddedIntermediateCodec()],
]);

export class ServerTransport {
  readonly #bytes = new ByteQueue();
  readonly #quickAcks = new WeakSet<Buffer>();
  #codec?: TransportCodec;
  #inbound?: Decipher;
  #outbound?: Cipher;
  /** The DC id field of an obfuscation header (meaningful only through an MTProxy). */
  obfuscatedDcId?: number;

  /** e.g. 'full', 'abridged', 'obfuscated padded-intermediate'; undefined until the first bytes decide. */
  get name(): string | undefined {
    if (!this.#codec) return undefined;
    return this.#inbound ? `obfuscated ${this.#codec.name}` : this.#codec.name;
  }

  /** Feeds bytes from the socket; returns the complete payloads now available. Throws TransportError on bad framing. */
  push(data: Buffer): Buffer[] {
    if (this.#codec) {
      this.#bytes.push(this.#inbound ? this.#inbound.update(data) : data);
    } else {
      this.#bytes.push(data);
      if (!this.#detect()) return [];
    }
    const out: Buffer[] = [];
    this.#codec!.decode(this.#bytes, out, this.#quickAcks);
    return out;
  }

  /** Frames (and under obfuscation encrypts) one payload given in parts. */
  frame(parts: Buffer[]): Buffer[] {
    return this.#seal(this.#detected().frame(parts));
  }

  errorFrame(code: number): Buffer[] {
    return this.#seal(this.#detected().errorFrame(code));
  }

  /** Whether the envelope of this payload (one push() returned) asked for a quick ack. */
  quickAckRequested(payload: Buffer): boolean {
    return this.#quickAcks.has(payload);
  }

  /** The packet carrying a quick-ack token (see quickAckToken); none for the full transport, which has no quick acks. */
  quickAck(token: number): Buffer[] {
    const packet = this.#detected().quickAck?.(token);
    return packet ? this.#seal([packet]) : [];
  }

  #detected(): TransportCodec {
    if (!this.#codec) throw new Error('the transport is not known before the client sends its first bytes');
    return this.#codec;
  }

  #seal(framed: Buffer[]): Buffer[] {
    const cipher = this.#outbound;
    return cipher ? framed.map((part) => cipher.update(part)) : framed;
  }

  #detect(): boolean {
    const bytes = this.#bytes;
    if (bytes.length === 0) return false;
    if (bytes.peek(1)[0] === ABRIDGED_TAG) {
      bytes.skip(1);
      this.#codec = new AbridgedCodec();
      return true;
    }
    if (bytes.length < 4) return false;
    const first = bytes.peek(4).readUInt32LE(0);
    if (first === INTERMEDIATE_TAG || first === PADDED_INTERMEDIATE_TAG) {
      bytes.skip(4);
      this.#codec = first === INTERMEDIATE_TAG ? new IntermediateCodec() : new PaddedIntermediateCodec();
      return true;
    }
    const unsupported = UNSUPPORTED.get(first);
    if (unsupported) throw new TransportError(`unsupported transport: ${unsupported}`);
    if (bytes.length < 8) return false;
    if (bytes.peek(8).readUInt32LE(4) === 0) {
      this.#codec = new FullCodec();
      return true;
    }
    if (bytes.length < OBFUSCATION_HEADER_LENGTH) return false;
    const hello = acceptObfuscation(bytes.take(OBFUSCATION_HEADER_LENGTH));
    const codec = OBFUSCATED_CODECS.get(hello.tag)?.();
    if (!codec) throw new TransportError(`unknown transport: obfuscated tag 0x${hello.tag.toString(16).padStart(8, '0')}`);
    this.#codec = codec;
    this.#inbound = hello.inbound;
    this.#outbound = hello.outbound;
    this.obfuscatedDcId = hello.dcId;
    // What came in the same reads after the header is still encrypted.
    if (bytes.length) bytes.push(hello.inbound.update(bytes.take(bytes.length)));
    return true;
  }
}
