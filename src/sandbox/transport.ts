// MTProto "full" TCP transport (core.telegram.org/mtproto/mtproto-transports#full):
// [length:int32][seqno:int32][payload][crc32:uint32], length counting all four parts.
import { crc32 } from 'node:zlib';

export class TransportError extends Error {
  override name = 'TransportError';
}

/** Largest packet the sandbox accepts from a client (a getFile request is a few hundred bytes; uploads are not served). */
const MAX_INBOUND_PACKET = 2 * 1024 * 1024;

export class FullTransportDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #expectedSeq = 0;

  /** Feeds bytes from the socket; returns the complete payloads now available. Throws TransportError on bad framing. */
  push(data: Buffer): Buffer[] {
    this.#chunks.push(data);
    this.#buffered += data.length;
    const out: Buffer[] = [];
    for (;;) {
      if (this.#buffered < 4) break;
      const head = this.#peek(4);
      const length = head.readInt32LE(0);
      if (length < 12 || length > MAX_INBOUND_PACKET) throw new TransportError(`bad packet length ${length}`);
      if (this.#buffered < length) break;
      const packet = this.#take(length);
      const seq = packet.readInt32LE(4);
      const expectedCrc = packet.readUInt32LE(length - 4);
      if (crc32(packet.subarray(0, length - 4)) !== expectedCrc) throw new TransportError('bad packet checksum');
      if (seq !== this.#expectedSeq) throw new TransportError(`bad packet seqno ${seq}, expected ${this.#expectedSeq}`);
      this.#expectedSeq++;
      out.push(packet.subarray(8, length - 4));
    }
    return out;
  }

  #peek(n: number): Buffer {
    if (this.#chunks[0]!.length >= n) return this.#chunks[0]!;
    const joined = Buffer.concat(this.#chunks);
    this.#chunks = [joined];
    return joined;
  }

  #take(n: number): Buffer {
    const joined = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
    const packet = joined.subarray(0, n);
    const rest = joined.subarray(n);
    this.#chunks = rest.length ? [rest] : [];
    this.#buffered -= n;
    return packet;
  }
}

export class FullTransportEncoder {
  #seq = 0;

  /** Frames one payload given in parts; returns header, the parts and trailer, so nothing large is copied. */
  encode(parts: Buffer[]): Buffer[] {
    const length = parts.reduce((n, p) => n + p.length, 0);
    const head = Buffer.allocUnsafe(8);
    head.writeInt32LE(length + 12, 0);
    head.writeInt32LE(this.#seq++, 4);
    let crc = crc32(head);
    for (const p of parts) crc = crc32(p, crc);
    const tail = Buffer.allocUnsafe(4);
    tail.writeUInt32LE(crc, 0);
    return [head, ...parts, tail];
  }
}

/** Transport-level error code sent in place of a packet, e.g. -404 for an unknown auth key. */
export function transportErrorPayload(code: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32LE(code, 0);
  return b;
}
