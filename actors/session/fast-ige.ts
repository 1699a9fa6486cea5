// Gives gramjs's message encryption the fast IGE (src/crypto/ige.ts) without modifying gramjs: MTProtoState builds
// `new IGE(key, iv)` from the exported property of telegram/crypto/IGE at each call, so replacing that export
// before a client connects is enough. Decrypting received blocks is a session's main CPU cost (~100 MB/s per core
// with gramjs's own IGE).
import { createRequire } from 'node:module';
import { igeDecrypt, igeEncrypt } from '../../src/crypto/ige.ts';

const require = createRequire(import.meta.url);

class FastIge {
  readonly #key: Buffer;
  readonly #iv: Buffer;

  constructor(key: Buffer, iv: Buffer) {
    this.#key = Buffer.from(key);
    this.#iv = Buffer.from(iv);
  }

  decryptIge(cipherText: Buffer): Buffer {
    return igeDecrypt(cipherText, this.#key, this.#iv);
  }

  /** Pads to whole blocks with random bytes, as gramjs does. */
  encryptIge(plainText: Buffer): Buffer {
    const rest = plainText.length % 16;
    const padded = rest ? Buffer.concat([plainText, require('node:crypto').randomBytes(16 - rest)]) : plainText;
    return igeEncrypt(padded, this.#key, this.#iv);
  }
}

let installed = false;

export function installFastIge(): void {
  if (installed) return;
  const mod = require('telegram/crypto/IGE') as { IGE: unknown };
  mod.IGE = FastIge;
  installed = true;
}

export { FastIge };
