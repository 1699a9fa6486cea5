// Server-side MTProto crypto for the sandbox DC. AES-IGE is the fast shared one (src/crypto/ige.ts) so that the DC
// encrypting every served byte is never the bottleneck of a measurement.
import { tlBytes } from './tl.ts';
import { createHash, createPrivateKey, generateKeyPairSync, privateDecrypt, constants, randomBytes, type KeyObject } from 'node:crypto';

export { igeDecrypt, igeEncrypt } from '../crypto/ige.ts';

export const sha1 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
};

export const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

export { randomBytes };

/** Big-endian unsigned bytes → bigint. */
export function bytesToBigInt(b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b).toString('hex'));
}

/** bigint → minimal big-endian bytes (no leading zeros), or padded to `length` when given. */
export function bigIntToBytes(n: bigint, length?: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  const raw = Buffer.from(hex, 'hex');
  if (length === undefined || raw.length === length) return raw;
  if (raw.length > length) throw new RangeError(`number does not fit in ${length} bytes`);
  return Buffer.concat([Buffer.alloc(length - raw.length), raw]);
}

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    exp >>= 1n;
    base = (base * base) % mod;
  }
  return result;
}

export interface SandboxRsaKey {
  /** Signed decimal fingerprint, as gramjs keys its `_serverKeys` map. */
  fingerprint: string;
  n: bigint;
  e: number;
  privateKey: KeyObject;
}

/**
 * A fresh 2048-bit RSA key per sandbox run: never a real Telegram key.
 * Fingerprint: the low 64 bits of SHA1(rsa_public_key n:bytes e:bytes) (core.telegram.org/mtproto/auth_key).
 */
export function generateRsaKey(): SandboxRsaKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
  return rsaKeyFromPrivate(privateKey);
}

export function rsaKeyFromPrivate(privateKey: KeyObject): SandboxRsaKey {
  const jwk = privateKey.export({ format: 'jwk' }) as { n: string; e: string };
  const nBytes = Buffer.from(jwk.n, 'base64url');
  const eBytes = Buffer.from(jwk.e, 'base64url');
  const digest = sha1(Buffer.concat([tlBytes(nBytes), tlBytes(eBytes)]));
  const fingerprint = digest.subarray(12, 20).readBigInt64LE(0).toString();
  return { fingerprint, n: bytesToBigInt(nBytes), e: Number(bytesToBigInt(eBytes)), privateKey };
}

export function rsaKeyFromPem(pem: string): SandboxRsaKey {
  return rsaKeyFromPrivate(createPrivateKey(pem));
}

/** Raw RSA (no padding): m = c^d mod n. MTProto's RSA_PAD does its own padding. */
export function rsaDecryptRaw(key: SandboxRsaKey, data: Uint8Array): Buffer {
  return privateDecrypt({ key: key.privateKey, padding: constants.RSA_NO_PADDING }, data);
}

/** tmp_aes_key / tmp_aes_iv for the server_DH_inner_data exchange (core.telegram.org/mtproto/auth_key, step 5). */
export function tmpAesKeyIv(newNonce: Buffer, serverNonce: Buffer): { key: Buffer; iv: Buffer } {
  const a = sha1(newNonce, serverNonce);
  const b = sha1(serverNonce, newNonce);
  const c = sha1(newNonce, newNonce);
  return {
    key: Buffer.concat([a, b.subarray(0, 12)]),
    iv: Buffer.concat([b.subarray(12, 20), c, newNonce.subarray(0, 4)]),
  };
}

/** MTProto 2.0 message key derivation; x = 0 for client→server, 8 for server→client. */
export function messageKeyIv(authKey: Buffer, msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
  const a = sha256(msgKey, authKey.subarray(x, x + 36));
  const b = sha256(authKey.subarray(x + 40, x + 76), msgKey);
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  };
}

/**
 * MTProto 1.0 message key derivation (core.telegram.org/mtproto/description_v1#defining-aes-key-and-initialization-vector),
 * still used for the encrypted_message of auth.bindTempAuthKey; x = 0 for client→server, 8 for server→client.
 */
export function messageKeyIvV1(authKey: Buffer, msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
  const a = sha1(msgKey, authKey.subarray(x, x + 32));
  const b = sha1(authKey.subarray(32 + x, 48 + x), msgKey, authKey.subarray(48 + x, 64 + x));
  const c = sha1(authKey.subarray(64 + x, 96 + x), msgKey);
  const d = sha1(msgKey, authKey.subarray(96 + x, 128 + x));
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 20), c.subarray(4, 16)]),
    iv: Buffer.concat([a.subarray(8, 20), b.subarray(0, 8), c.subarray(16, 20), d.subarray(0, 8)]),
  };
}

/** auth_key_id: the 64 lower-order bits of SHA1(auth_key), as the 8 bytes that appear on the wire. */
export function authKeyId(authKey: Buffer): Buffer {
  return sha1(authKey).subarray(12, 20);
}
