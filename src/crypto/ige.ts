// AES-256-IGE as MTProto uses it, faster than gramjs's pure-JS version. Two backends, byte-identical to gramjs
// (test/crypto-ige*.test.ts):
// - native: the streambot-ige addon (native/ige, AES-NI), built at install; used whenever it loads and this CPU has
//   AES-NI;
// - wasm: decryption from @mtcute/wasm, encryption through OpenSSL's AES-CBC (AES-NI) for anything but tiny inputs.
// STREAMBOT_IGE=wasm forces the wasm backend (STREAMBOT_IGE=native refuses to start without the addon).
import { createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initSync, getWasmUrl, ige256Decrypt, ige256Encrypt } from '@mtcute/wasm';

export type IgeFunction = (data: Uint8Array, key: Uint8Array, iv: Uint8Array) => Buffer;
export type IgeBackend = 'native' | 'wasm';

interface IgeAddon {
  available: boolean;
  reason?: string;
  decrypt: IgeFunction;
  encrypt: IgeFunction;
  /** Older builds lack it. */
  decryptInPlace?: (data: Uint8Array, key: Uint8Array, iv: Uint8Array) => void;
}

let wasmReady = false;
function ensureWasm(): void {
  if (wasmReady) return;
  initSync(readFileSync(new URL(getWasmUrl())));
  wasmReady = true;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** The addon's argument checks, for the wasm backend: both backends refuse the same input the same way. */
function checkArgs(data: Uint8Array, key: Uint8Array, iv: Uint8Array): void {
  for (const [name, value] of [['data', data], ['key', key], ['iv', iv]] as const) {
    if (!(value instanceof Uint8Array)) throw new TypeError(`IGE ${name} must be a Buffer or Uint8Array`);
  }
  if (data.length % 16 !== 0) throw new RangeError('IGE input must be a multiple of 16 bytes');
  if (key.length !== 32) throw new RangeError('IGE key must be 32 bytes');
  if (iv.length !== 32) throw new RangeError('IGE iv must be 32 bytes');
}

export function igeDecryptWasm(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  checkArgs(data, key, iv);
  ensureWasm();
  return asBuffer(ige256Decrypt(data, key, iv));
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
 * The wasm backend's encryption (wasm only below 4 KiB). With Y_i = C_i ⊕ P_{i-1}, IGE's C_i = E(P_i ⊕ C_{i-1}) ⊕
 * P_{i-1} becomes Y_i = E((P_i ⊕ P_{i-2}) ⊕ Y_{i-1}): plain CBC over inputs known up front, with Y_0 = iv[0..16]
 * and P_0 = iv[16..32]. (Decryption has no such form: each step needs the previous plaintext.)
 */
export function igeEncryptWasm(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  checkArgs(data, key, iv);
  const n = data.length;
  if (n < 4096) {
    ensureWasm();
    return asBuffer(ige256Encrypt(data, key, iv));
  }
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

/**
 * The addon, or why not. STREAMBOT_IGE_ADDON names another module to load in its place: the tests use it to check
 * the fallback when the addon is missing or broken.
 */
function loadAddon(): { addon: IgeAddon } | { why: string } {
  const mode = process.env.STREAMBOT_IGE ?? '';
  if (!['', 'native', 'wasm'].includes(mode)) {
    throw new Error(`STREAMBOT_IGE must be "native", "wasm" or unset (got "${mode}")`);
  }
  if (mode === 'wasm') return { why: 'STREAMBOT_IGE=wasm' };
  let found: { addon: IgeAddon } | { why: string };
  try {
    const addon = createRequire(import.meta.url)(process.env.STREAMBOT_IGE_ADDON || 'streambot-ige') as IgeAddon;
    found = addon.available ? { addon } : { why: addon.reason ?? 'the streambot-ige addon reports itself unavailable' };
  } catch (err) {
    found = { why: `the streambot-ige addon did not load: ${(err as Error).message.split('\n')[0]}` };
  }
  if (mode === 'native' && 'why' in found) throw new Error(`STREAMBOT_IGE=native, but ${found.why}`);
  return found;
}

const loaded = loadAddon();
const addon = 'addon' in loaded ? loaded.addon : null;

/** The native implementations, or null where the addon did not load (or STREAMBOT_IGE=wasm). */
export const igeDecryptNative: IgeFunction | null = addon ? addon.decrypt : null;
export const igeEncryptNative: IgeFunction | null = addon ? addon.encrypt : null;

export const igeDecrypt: IgeFunction = igeDecryptNative ?? igeDecryptWasm;
export const igeEncrypt: IgeFunction = igeEncryptNative ?? igeEncryptWasm;

/**
 * Decrypts `data` where it lies when the native backend can (no new buffer: for 1 MiB answers that is a MiB less per
 * block for the garbage collector), else into a new buffer. Returns the plaintext either way; the caller must own
 * `data` and not need its ciphertext afterwards.
 */
export function igeDecryptInPlace(data: Uint8Array, key: Uint8Array, iv: Uint8Array): Buffer {
  if (addon?.decryptInPlace === undefined) return igeDecrypt(data, key, iv);
  addon.decryptInPlace(data, key, iv);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function igeBackend(): IgeBackend {
  return addon ? 'native' : 'wasm';
}

/** Why the wasm backend is in use; undefined when it is not. */
export function igeFallbackReason(): string | undefined {
  return 'why' in loaded ? loaded.why : undefined;
}
