// Full transport (core.telegram.org/mtproto/mtproto-transports#full):
// [length:int32][seqno:int32][payload][crc32:uint32], length counting all four parts. No quick acks.
import { crc32 } from 'node:zlib';
import type { ByteQueue } from './byte-queue.ts';
import { MAX_INBOUND_PACKET, TransportError, payloadLength, transportErrorPayload, type TransportCodec } from './codec.ts';

export class FullCodec implements TransportCodec {
  readonly name = 'full';
  #expectedSeq = 0;
  #seq = 0;

  decode(bytes: ByteQueue, out: Buffer[]): void {
    while (bytes.length >= 4) {
      const length = bytes.peek(4).readInt32LE(0);
      if (length < 12 || length > MAX_INBOUND_PACKET) throw new TransportError(`bad packet length ${length}`);
      if (bytes.length < length) return;
      const packet = bytes.take(length);
      const seq = packet.readInt32LE(4);
      if (crc32(packet.subarray(0, length - 4)) !== packet.readUInt32LE(length - 4)) throw new TransportError('bad packet checksum');
      if (seq !== this.#expectedSeq) throw new TransportError(`bad packet seqno ${seq}, expected ${this.#expectedSeq}`);
      this.#expectedSeq++;
      out.push(packet.subarray(8, length - 4));
    }
  }

  frame(parts: Buffer[]): Buffer[] {
    const head = Buffer.allocUnsafe(8);
    head.writeInt32LE(payloadLength(parts) + 12, 0);
    head.writeInt32LE(this.#seq++, 4);
    let crc = crc32(head);
    for (const p of parts) crc = crc32(p, crc);
    const tail = Buffer.allocUnsafe(4);
    tail.writeUInt32LE(crc, 0);
    return [head, ...parts, tail];
  }

  errorFrame(code: number): Buffer[] {
    return this.frame([transportErrorPayload(code)]);
  }
}
