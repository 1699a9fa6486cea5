// Transport obfuscation, server side (core.telegram.org/mtproto/mtproto-transports#transport-obfuscation): the
// client's first 64 bytes are a random header whose bytes 8..56 key two AES-256-CTR streams, one per direction.
import { createCipheriv, createDecipheriv, type Cipher, type Decipher } from 'node:crypto';

export const OBFUSCATION_HEADER_LENGTH = 64;

export interface ObfuscatedHello {
  /** The transport's tag at bytes 56..60 once decrypted (0xefefefef, 0xeeeeeeee or 0xdddddddd). */
  tag: number;
  /** Bytes 60..62 once decrypted: the DC id as an MTProxy needs it; random from clients that connect directly. */
  dcId: number;
  /** Decrypts what the client sends after the header (the header itself already went through it). */
  inbound: Decipher;
  /** Encrypts everything the server sends. */
  outbound: Cipher;
}

/**
 * The client encrypts with key/IV from header bytes 8..40/40..56 and decrypts with those of the reversed header; the
 * server mirrors that. The client's stream starts at the header, whose bytes 56..64 it sends encrypted.
 */
export function acceptObfuscation(header: Buffer): ObfuscatedHello {
  if (header.length !== OBFUSCATION_HEADER_LENGTH) throw new RangeError(`an obfuscation header is ${OBFUSCATION_HEADER_LENGTH} bytes, got ${header.length}`);
  const inbound = createDecipheriv('aes-256-ctr', header.subarray(8, 40), header.subarray(40, 56));
  const plain = inbound.update(header);
  const reversed = Buffer.from(header.subarray(8, 56)).reverse();
  const outbound = createCipheriv('aes-256-ctr', reversed.subarray(0, 32), reversed.subarray(32, 48));
  return { tag: plain.readUInt32LE(56), dcId: plain.readInt16LE(60), inbound, outbound };
}
