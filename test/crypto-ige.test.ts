import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { igeDecrypt, igeDecryptWasm, igeEncrypt, igeEncryptWasm, igeBackend } from '../src/crypto/ige.ts';

const require = createRequire(import.meta.url);
const { IGE } = require('telegram/crypto/IGE') as { IGE: new (key: Buffer, iv: Buffer) => { encryptIge(b: Buffer): Buffer; decryptIge(b: Buffer): Buffer } };

// The backend in use (native where the addon loads; test/crypto-ige-native.test.ts covers that one further) and the
// wasm one (CBC-based encryption for large inputs, wasm for small), whichever that is.
const backends = [
  [`in use (${igeBackend()})`, igeEncrypt, igeDecrypt],
  ['wasm', igeEncryptWasm, igeDecryptWasm],
] as const;

for (const [name, encrypt, decrypt] of backends) {
  test(`the fast IGE ${name} is byte-identical to gramjs in both directions`, () => {
    for (const size of [16, 32, 48, 4080, 4096, 4112, 65536, 1 << 20, (1 << 20) + 64]) {
      const key = randomBytes(32);
      const iv = randomBytes(32);
      const plain = randomBytes(size);
      const ours = encrypt(plain, key, iv);
      const theirs = new IGE(key, iv).encryptIge(plain);
      assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), `encrypt ${size}`);
      assert.ok(decrypt(ours, key, iv).equals(plain), `decrypt ${size}`);
      // Unaligned views must give the same answer as aligned ones.
      const shifted = Buffer.alloc(size + 1);
      plain.copy(shifted, 1);
      assert.ok(encrypt(shifted.subarray(1), key, iv).equals(ours), `unaligned ${size}`);
    }
  });
}

test('igeEncrypt refuses input that is not whole blocks', () => {
  assert.throws(() => igeEncrypt(Buffer.alloc(4097), randomBytes(32), randomBytes(32)), RangeError);
});

test('the session CRC32 (zlib) matches gramjs Helpers.crc32, including the string and Uint8Array forms', async () => {
  const { fastCrc32 } = await import('../actors/session/fast-crypto.ts');
  const { crc32 } = require('telegram/Helpers') as { crc32(b: unknown): number };
  for (const size of [0, 1, 15, 4096, 1 << 20]) {
    const b = randomBytes(size);
    assert.equal(fastCrc32(b), crc32(b), `size ${size}`);
    assert.equal(fastCrc32(new Uint8Array(b)), crc32(b));
  }
  assert.equal(fastCrc32('hello'), crc32('hello'));
});

test('the session IGE wrapper pads like gramjs and round-trips', async () => {
  const { FastIge } = await import('../actors/session/fast-crypto.ts');
  const key = randomBytes(32);
  const iv = randomBytes(32);
  const plain = randomBytes(4096 * 3);
  const ours = new FastIge(key, iv).encryptIge(plain);
  assert.ok(ours.equals(new IGE(key, iv).encryptIge(plain)));
  assert.ok(new FastIge(key, iv).decryptIge(ours).equals(plain));
  assert.equal(new FastIge(key, iv).encryptIge(randomBytes(20)).length, 32);
});
