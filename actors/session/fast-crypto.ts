// Gives gramjs faster crypto without modifying gramjs. gramjs looks its helpers up on their modules' export objects
// at every call (MTProtoState: `new IGE_1.IGE(key, iv)`; TCPFull: `Helpers_1.crc32(packet)`), so replacing those
// exports before a client connects is enough. Per received 1 MiB block these were a session's two largest costs:
// pure-JS AES-IGE decryption (~100 MB/s per core) and a pure-JS CRC32 of the transport packet.
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import { igeDecrypt, igeDecryptInPlace, igeEncrypt } from '../../src/crypto/ige.ts';

const require = createRequire(import.meta.url);

/** Messages at least this long are decrypted in place (see decryptIge). */
const IN_PLACE_MIN_BYTES = 4096;

class FastIge {
  readonly #key: Buffer;
  readonly #iv: Buffer;

  constructor(key: Buffer, iv: Buffer) {
    this.#key = Buffer.from(key);
    this.#iv = Buffer.from(iv);
  }

  /**
   * gramjs decrypts a received message with `decryptIge(body.slice(24))` and never reads that ciphertext again, so
   * message bodies are decrypted where they lie. Small inputs (the auth key exchange's answers, which gramjs keeps
   * in TL objects) get a new buffer as before.
   */
  decryptIge(cipherText: Buffer): Buffer {
    return cipherText.length >= IN_PLACE_MIN_BYTES ? igeDecryptInPlace(cipherText, this.#key, this.#iv) : igeDecrypt(cipherText, this.#key, this.#iv);
  }

  /** Pads to whole blocks with random bytes, as gramjs does. */
  encryptIge(plainText: Buffer): Buffer {
    const rest = plainText.length % 16;
    const padded = rest ? Buffer.concat([plainText, require('node:crypto').randomBytes(16 - rest)]) : plainText;
    return igeEncrypt(padded, this.#key, this.#iv);
  }
}

/** Same contract as gramjs's Helpers.crc32: unsigned CRC-32 of a Buffer (or of Buffer.from(value)). */
export function fastCrc32(buf: Buffer | Uint8Array | string): number {
  return crc32(Buffer.isBuffer(buf) ? buf : Buffer.from(buf as Uint8Array));
}

let installed = false;

export function installFastCrypto(): void {
  if (installed) return;
  (require('telegram/crypto/IGE') as { IGE: unknown }).IGE = FastIge;
  (require('telegram/Helpers') as { crc32: unknown }).crc32 = fastCrc32;
  installed = true;
}

export { FastIge };
