// Intermediate transport (core.telegram.org/mtproto/mtproto-transports#intermediate): a 4-byte little-endian length,
// whose top bit asks for a quick ack.
import type { ByteQueue } from './byte-queue.ts';
import { MAX_INBOUND_PACKET, TransportError, payloadLength, transportErrorPayload, type TransportCodec } from './codec.ts';

export const INTERMEDIATE_TAG = 0xeeeeeeee;
const QUICK_ACK_BIT = 0x80000000;

/** Reads length-prefixed packets; shared with the padded variant, which only differs in what follows the payload. */
export function decodeLengthPrefixed(bytes: ByteQueue, out: Buffer[], quickAcks: WeakSet<Buffer>, check: (length: number) => void, unwrap: (packet: Buffer) => Buffer = (p) => p): void {
  while (bytes.length >= 4) {
    const raw = bytes.peek(4).readUInt32LE(0);
    const length = raw & ~QUICK_ACK_BIT;
    if (length === 0 || length > MAX_INBOUND_PACKET) throw new TransportError(`bad packet length ${length}`);
    check(length);
    if (bytes.length < 4 + length) return;
    bytes.skip(4);
    const packet = unwrap(bytes.take(length));
    if (raw & QUICK_ACK_BIT) quickAcks.add(packet);
    out.push(packet);
  }
}

export function lengthHeader(length: number): Buffer {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(length, 0);
  return head;
}

export class IntermediateCodec implements TransportCodec {
  readonly name = 'intermediate';

  decode(bytes: ByteQueue, out: Buffer[], quickAcks: WeakSet<Buffer>): void {
    decodeLengthPrefixed(bytes, out, quickAcks, (length) => {
      // MTProto payloads are whole 4-byte words; that is what this transport's alignment promises.
      if (length % 4 !== 0) throw new TransportError(`bad packet length ${length}`);
    });
  }

  frame(parts: Buffer[]): Buffer[] {
    return [lengthHeader(payloadLength(parts)), ...parts];
  }

  errorFrame(code: number): Buffer[] {
    return this.frame([transportErrorPayload(code)]);
  }

  /** As is: read as a little-endian length it is ≥ 0x80000000, which no packet is. */
  quickAck(token: number): Buffer {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(token >>> 0, 0);
    return b;
  }
}
