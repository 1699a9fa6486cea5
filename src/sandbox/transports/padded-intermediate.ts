// Padded intermediate transport (core.telegram.org/mtproto/mtproto-transports#padded-intermediate): intermediate
// framing with 0–15 random bytes after each payload, counted in the length.
import { randomBytes, randomInt } from 'node:crypto';
import type { ByteQueue } from './byte-queue.ts';
import { TransportError, payloadLength, transportErrorPayload, type TransportCodec } from './codec.ts';
import { decodeLengthPrefixed, lengthHeader } from './intermediate.ts';

export const PADDED_INTERMEDIATE_TAG = 0xdddddddd;

/**
 * The envelope does not say how much of a packet is padding; the MTProto payload's own layout does: a plain message
 * is 20 bytes of header + message_data_length, an encrypted one 24 bytes of header + whole 16-byte AES blocks.
 */
export function stripPadding(packet: Buffer): Buffer {
  if (packet.length < 24) return packet; // no MTProto message is this short: the connection refuses it as it is
  if (packet.readBigUInt64LE(0) === 0n) {
    const length = 20 + packet.readInt32LE(16);
    if (length < 20 || length > packet.length) throw new TransportError(`plain message of ${length - 20} bytes in a ${packet.length}-byte packet`);
    return packet.subarray(0, length);
  }
  return packet.subarray(0, 24 + ((packet.length - 24) & ~15));
}

export class PaddedIntermediateCodec implements TransportCodec {
  readonly name = 'padded-intermediate';

  decode(bytes: ByteQueue, out: Buffer[], quickAcks: WeakSet<Buffer>): void {
    decodeLengthPrefixed(bytes, out, quickAcks, () => {}, stripPadding);
  }

  frame(parts: Buffer[], padding = randomInt(16)): Buffer[] {
    return [lengthHeader(payloadLength(parts) + padding), ...parts, randomBytes(padding)];
  }

  /** Padded to at most 11 bytes: readers tell an error from a message by a length below 12 (tdlib's Transport::read). */
  errorFrame(code: number): Buffer[] {
    return this.frame([transportErrorPayload(code)], randomInt(8));
  }

  /**
   * [length][0xffffffff][token][padding]: the all-ones header tells it from a transport error. The padding stays under
   * 4 bytes so the packet is shorter than any MTProto message by the same length rule as errors.
   */
  quickAck(token: number): Buffer {
    const padding = randomInt(4);
    const b = Buffer.allocUnsafe(12 + padding);
    b.writeUInt32LE(8 + padding, 0);
    b.writeUInt32LE(0xffffffff, 4);
    b.writeUInt32LE(token >>> 0, 8);
    randomBytes(padding).copy(b, 12);
    return b;
  }
}
