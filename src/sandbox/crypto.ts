// Server-side MTProto crypto for the sandbox DC. AES-IGE comes from @mtcute/wasm (byte-identical to gramjs's, and
// several times faster) so that the DC encrypting every served byte is never the bottleneck of a measurement.
import { createCipheriv, createHash, createPrivateKey, generateKeyPairSync, privateDecrypt, constants, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { initSync, getWasmUrl, ige256Decrypt, ige256Encrypt } from '@mtcute/wasm';

let wasmReady = false;
function ensureWasm(): void {
  if (wasmReady) return;
  initSync(readFileSync(new URL(getWasmUrl())));
  wasmReady = true;
}

/** Small messages: wasm IGE (no setup cost). */
function igeEncryptWasm(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  ensureWasm();
  const out = ige256Encrypt(data, key, iv);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

function aligned(b: Uint8Array): Uint8Array {
  return b.byteOffset % 4 === 0 ? b : new Uint8Array(b);
}

/** dst[dstOff + i] ^= src[srcOff + i] for `len` bytes, 32 bits at a time (offsets and len multiples of 16). */
function xorInto(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  const d = new Int32Array(dst.buffer, dst.byteOffset + dstOff, len >> 2);
  const s = new Int32Array(src.buffer, src.byteOffset + srcOff, len >> 2);
  for (let i = 0; i < d.length; i++) d[i]! ^= s[i]!;
}

/**
 * AES-256-IGE encryption through OpenSSL's AES-CBC (AES-NI). With Y_i = C_i ⊕ P_{i-1}, IGE's
 * C_i = E(P_i ⊕ C_{i-1}) ⊕ P_{i-1} becomes Y_i = E((P_i ⊕ P_{i-2}) ⊕ Y_{i-1}): plain CBC over inputs known up
 * front, with Y_0 = iv[0..16] and P_0 = iv[16..32]. Two XOR passes around one CBC call beat wasm IGE ~2x on
 * large answers; test/sandbox-crypto.test.ts proves byte-identity with gramjs's IGE.
 */
export function igeEncrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  const n = data.length;
  if (n % 16 !== 0) throw new RangeError('IGE input must be a multiple of 16 bytes');
  if (n < 4096) return igeEncryptWasm(data, key, iv);
  const p = aligned(data);
  const p0 = aligned(iv.subarray(16, 32));
  const x = Buffer.allocUnsafeSlow(n);
  x.set(p);
  xorInto(x, 16, p0, 0, 16);
  xorInto(x, 32, p, 0, n - 32);
  const cipher = createCipheriv('aes-256-cbc', key, iv.subarray(0, 16));
  cipher.setAutoPadding(false);
  const y = cipher.update(x);
  const c = y.byteOffset % 4 === 0 ? y : Buffer.from(y);
  xorInto(c, 0, p0, 0, 16);
  xorInto(c, 16, p, 0, n - 16);
  return c;
}

export function igeDecrypt(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  ensureWasm();
  const out = ige256Decrypt(data, key, iv);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

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

/** TL `bytes` serialization (length prefix + padding to 4), used for the RSA fingerprint. */
function tlBytes(b: Buffer): Buffer {
  const head = b.length < 254 ? Buffer.from([b.length]) : Buffer.from([254, b.length & 0xff, (b.length >> 8) & 0xff, (b.length >> 16) & 0xff]);
  const body = Buffer.concat([head, b]);
  const pad = (4 - (body.length % 4)) % 4;
  return Buffer.concat([body, Buffer.alloc(pad)]);
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
