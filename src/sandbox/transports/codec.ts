// What every MTProto TCP transport (core.telegram.org/mtproto/mtproto-transports) gives the connection: payloads out
// of the byte stream, and the server's packets framed the client's way.
import type { ByteQueue } from './byte-queue.ts';

export type TransportName = 'abridged' | 'intermediate' | 'padded-intermediate' | 'full';

export class TransportError extends Error {
  override name = 'TransportError';
}

/** Largest packet the sandbox accepts from a client (a getFile request is a few hundred bytes; uploads are not served). */
export const MAX_INBOUND_PACKET = 2 * 1024 * 1024;

export interface TransportCodec {
  readonly name: TransportName;
  /**
   * Moves every complete packet in `bytes` to `out`; a packet whose envelope asks for a quick ack is also added to
   * `quickAcks`. Throws TransportError on framing no client sends.
   */
  decode(bytes: ByteQueue, out: Buffer[], quickAcks: WeakSet<Buffer>): void;
  /** Frames one payload given in parts; returns the envelope around the parts, so nothing large is copied. */
  frame(parts: Buffer[]): Buffer[];
  /** A transport error (core.telegram.org/mtproto/mtproto-transports#transport-errors): the code as a payload. */
  errorFrame(code: number): Buffer[];
  /** The standalone packet that returns a quick-ack token; undefined where the transport has no quick acks. */
  quickAck?(token: number): Buffer;
}

/** Transport-level error code sent in place of a packet, e.g. -404 for an unknown auth key. */
export function transportErrorPayload(code: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32LE(code, 0);
  return b;
}

/**
 * The quick-ack token of a client message (core.telegram.org/mtproto/mtproto-transports#quick-ack): the first 32 bits
 * of msg_key_large = SHA256(substr(auth_key, 88, 32) + plaintext), read little-endian, with the top bit set.
 */
export function quickAckToken(msgKeyLarge: Buffer): number {
  return (msgKeyLarge.readUInt32LE(0) | 0x80000000) >>> 0;
}

export function payloadLength(parts: Buffer[]): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}
