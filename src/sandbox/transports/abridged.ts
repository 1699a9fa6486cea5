// Abridged transport (core.telegram.org/mtproto/mtproto-transports#abridged): a length in 4-byte words, one byte
// below 127 or 0x7f and three little-endian bytes; the top bit of the first byte asks for a quick ack.
import type { ByteQueue } from './byte-queue.ts';
import { MAX_INBOUND_PACKET, TransportError, payloadLength, transportErrorPayload, type TransportCodec } from './codec.ts';

export const ABRIDGED_TAG = 0xef;

export class AbridgedCodec implements TransportCodec {
  readonly name = 'abridged';

  decode(bytes: ByteQueue, out: Buffer[], quickAcks: WeakSet<Buffer>): void {
    while (bytes.length >= 1) {
      const first = bytes.peek(1)[0]!;
      let headerLength = 1;
      let words = first & 0x7f;
      if (words === 0x7f) {
        if (bytes.length < 4) return;
        headerLength = 4;
        words = bytes.peek(4).readUIntLE(1, 3);
      }
      const length = words * 4;
      if (length === 0 || length > MAX_INBOUND_PACKET) throw new TransportError(`bad packet length ${length}`);
      if (bytes.length < headerLength + length) return;
      bytes.skip(headerLength);
      const packet = bytes.take(length);
      if (first & 0x80) quickAcks.add(packet);
      out.push(packet);
    }
  }

  frame(parts: Buffer[]): Buffer[] {
    const length = payloadLength(parts);
    if (length % 4 !== 0) throw new RangeError(`abridged payloads are whole 4-byte words, got ${length} bytes`);
    const words = length / 4;
    let head: Buffer;
    if (words < 0x7f) {
      head = Buffer.from([words]);
    } else {
      head = Buffer.allocUnsafe(4);
      head[0] = 0x7f;
      head.writeUIntLE(words, 1, 3);
    }
    return [head, ...parts];
  }

  errorFrame(code: number): Buffer[] {
    return this.frame([transportErrorPayload(code)]);
  }

  /** Byte-swapped, so the first byte has its top bit set and cannot be read as a length (≤ 0x7f). */
  quickAck(token: number): Buffer {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(token >>> 0, 0);
    return b;
  }
}
