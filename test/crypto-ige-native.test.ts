// The native AES-256-IGE (streambot-ige, native/ige) against gramjs's own IGE and the wasm backend, its argument
// checks, and the fallback to wasm when it is switched off, missing or unavailable (in child processes, since the
// backend is chosen once when src/crypto/ige.ts loads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes, randomInt } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  igeBackend, igeDecrypt, igeDecryptInPlace, igeDecryptNative, igeDecryptWasm, igeEncrypt, igeEncryptNative, igeEncryptWasm,
  igeFallbackReason, type IgeFunction,
} from '../src/crypto/ige.ts';

const require = createRequire(import.meta.url);
const { IGE } = require('telegram/crypto/IGE') as { IGE: new (key: Buffer, iv: Buffer) => { encryptIge(b: Buffer): Buffer; decryptIge(b: Buffer): Buffer } };
const root = fileURLToPath(new URL('..', import.meta.url));
const igeModule = new URL('../src/crypto/ige.ts', import.meta.url).href;

const MiB = 1 << 20;
const noNative = igeDecryptNative ? false : `the native IGE is not in use here: ${igeFallbackReason()}`;

/** Whether this machine should run the native backend: x86-64 Linux whose CPU reports AES-NI and SSE4.1. */
function expectsNative(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.split(/\s+/) ?? [];
  return flags.includes('aes') && flags.includes('sse4_1');
}

test('on x86-64 Linux with AES-NI the native backend is the one in use', { skip: process.env.STREAMBOT_IGE ? 'STREAMBOT_IGE is set' : !expectsNative() && 'not an x86-64 Linux CPU with AES-NI' }, () => {
  assert.equal(igeFallbackReason(), undefined);
  assert.equal(igeBackend(), 'native');
  assert.equal(igeDecrypt, igeDecryptNative);
  assert.equal(igeEncrypt, igeEncryptNative);
});

test('native IGE is byte-identical to gramjs and to the wasm backend, 16 B to 1 MiB + 16', { skip: noNative }, () => {
  const sizes = [16, 32, 48, 256, 4080, 4096, 4112, 65536, MiB - 16, MiB, MiB + 16];
  for (let i = 0; i < 6; i++) sizes.push(16 * randomInt(1, MiB / 16 + 2));
  for (const size of sizes) {
    const key = randomBytes(32);
    const iv = randomBytes(32);
    const plain = randomBytes(size);
    const theirs = new IGE(key, iv).encryptIge(plain);
    const ours = igeEncryptNative!(plain, key, iv);
    assert.ok(ours.equals(theirs), `encrypt ${size} = gramjs`);
    assert.ok(igeEncryptWasm(plain, key, iv).equals(ours), `encrypt ${size} = wasm`);
    const decrypted = igeDecryptNative!(theirs, key, iv);
    assert.ok(decrypted.equals(plain), `decrypt(encrypt(x)) = x at ${size}`);
    assert.ok(decrypted.equals(new IGE(key, iv).decryptIge(theirs)), `decrypt ${size} = gramjs`);
    assert.ok(decrypted.equals(igeDecryptWasm(theirs, key, iv)), `decrypt ${size} = wasm`);
  }
});

test('native IGE takes Uint8Arrays and unaligned views, and leaves its inputs alone', { skip: noNative }, () => {
  const key = randomBytes(32);
  const iv = randomBytes(32);
  const plain = randomBytes(4096 + 48);
  const cipher = new IGE(key, iv).encryptIge(plain);
  const at = (b: Buffer, offset: number) => {
    const backing = new Uint8Array(b.length + offset);
    backing.set(b, offset);
    return backing.subarray(offset);
  };
  for (const offset of [0, 1, 3, 8]) {
    const input = at(cipher, offset);
    const out = igeDecryptNative!(input, at(key, offset), at(iv, offset));
    assert.ok(Buffer.isBuffer(out));
    assert.ok(out.equals(plain), `decrypt at offset ${offset}`);
    assert.ok(Buffer.from(input).equals(cipher), 'the input is unchanged');
    assert.ok(igeEncryptNative!(at(plain, offset), at(key, offset), at(iv, offset)).equals(cipher), `encrypt at offset ${offset}`);
  }
  assert.equal(igeDecryptNative!(Buffer.alloc(0), key, iv).length, 0);
});

test('both backends refuse bad arguments with a TypeError or RangeError', () => {
  const impls: [string, IgeFunction][] = [['wasm decrypt', igeDecryptWasm], ['wasm encrypt', igeEncryptWasm]];
  if (igeDecryptNative && igeEncryptNative) impls.push(['native decrypt', igeDecryptNative], ['native encrypt', igeEncryptNative]);
  const key = randomBytes(32);
  const iv = randomBytes(32);
  const block = randomBytes(32);
  const call = (fn: IgeFunction, ...args: unknown[]) => () => (fn as (...a: unknown[]) => unknown)(...args);
  for (const [name, fn] of impls) {
    for (const size of [1, 15, 17, 4097]) {
      assert.throws(call(fn, randomBytes(size), key, iv), { name: 'RangeError', message: /multiple of 16/ }, `${name}: ${size} bytes`);
    }
    for (const size of [0, 16, 31, 33]) {
      assert.throws(call(fn, block, randomBytes(size), iv), { name: 'RangeError', message: /key must be 32 bytes/ }, `${name}: key of ${size}`);
      assert.throws(call(fn, block, key, randomBytes(size)), { name: 'RangeError', message: /iv must be 32 bytes/ }, `${name}: iv of ${size}`);
    }
    for (const bad of ['0123456789abcdef', 16, null, undefined, new Uint16Array(8), [1, 2, 3]]) {
      assert.throws(call(fn, bad, key, iv), { name: 'TypeError', message: /data must be a Buffer or Uint8Array/ }, `${name}: data ${String(bad)}`);
      assert.throws(call(fn, block, bad, iv), { name: 'TypeError', message: /key must be a Buffer or Uint8Array/ }, `${name}: key ${String(bad)}`);
      assert.throws(call(fn, block, key, bad), { name: 'TypeError', message: /iv must be a Buffer or Uint8Array/ }, `${name}: iv ${String(bad)}`);
    }
    assert.throws(call(fn, block, key), TypeError, `${name}: no iv`);
  }
});

// --- The fallback, in child processes -----------------------------------------------------------------------------

interface ChildResult {
  backend: string;
  reason?: string;
  decrypted: string;
  encrypted: string;
}

/** Loads src/crypto/ige.ts in a new node with `env` added (undefined removes a variable) and runs it on `input`. */
function runChild(env: Record<string, string | undefined>, input: { key: Buffer; iv: Buffer; cipher: Buffer; plain: Buffer }): Promise<ChildResult> {
  const script = `
    const { igeBackend, igeFallbackReason, igeDecrypt, igeEncrypt } = await import(${JSON.stringify(igeModule)});
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const { key, iv, cipher, plain } = JSON.parse(Buffer.concat(chunks).toString());
    const b = (s) => Buffer.from(s, 'base64');
    process.stdout.write(JSON.stringify({
      backend: igeBackend(),
      reason: igeFallbackReason(),
      decrypted: igeDecrypt(b(cipher), b(key), b(iv)).toString('base64'),
      encrypted: igeEncrypt(b(plain), b(key), b(iv)).toString('base64'),
    }));
  `;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.STREAMBOT_IGE;
  delete childEnv.STREAMBOT_IGE_ADDON;
  for (const [name, value] of Object.entries(env)) if (value !== undefined) childEnv[name] = value;
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: childEnv, maxBuffer: 64 * MiB }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr }));
      else resolve(JSON.parse(stdout) as ChildResult);
    });
    const b64 = (b: Buffer) => b.toString('base64');
    child.stdin!.end(JSON.stringify({ key: b64(input.key), iv: b64(input.iv), cipher: b64(input.cipher), plain: b64(input.plain) }));
  });
}

/** A vector checked against gramjs: 64 KiB + 16 to decrypt, and 1008 bytes to encrypt (the wasm backend's small-input path). */
function vector() {
  const key = randomBytes(32);
  const iv = randomBytes(32);
  const secret = randomBytes(64 * 1024 + 16);
  const plain = randomBytes(1008);
  return { key, iv, plain, secret, cipher: new IGE(key, iv).encryptIge(secret), expected: new IGE(key, iv).encryptIge(plain) };
}

async function assertFallback(env: Record<string, string | undefined>, reason: RegExp): Promise<void> {
  const v = vector();
  const out = await runChild(env, v);
  assert.equal(out.backend, 'wasm');
  assert.match(out.reason ?? '', reason);
  assert.ok(Buffer.from(out.decrypted, 'base64').equals(v.secret), 'decrypts as gramjs encrypted');
  assert.ok(Buffer.from(out.encrypted, 'base64').equals(v.expected), 'encrypts as gramjs does');
}

test('STREAMBOT_IGE=wasm: the wasm backend, same bytes', async () => {
  await assertFallback({ STREAMBOT_IGE: 'wasm' }, /^STREAMBOT_IGE=wasm$/);
});

test('an addon that cannot load: the wasm backend, same bytes', async () => {
  await assertFallback({ STREAMBOT_IGE_ADDON: join(tmpdir(), 'streambot-ige-nonexistent', 'streambot_ige.node') }, /streambot-ige addon did not load/);
});

test('an addon that reports itself unavailable (no AES-NI): the wasm backend, same bytes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'streambot-ige-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fake = join(dir, 'unavailable.cjs');
  const refuse = 'function () { throw new Error("must not be called"); }';
  writeFileSync(fake, `module.exports = { available: false, reason: 'this CPU has no AES-NI', decrypt: ${refuse}, encrypt: ${refuse} };\n`);
  await assertFallback({ STREAMBOT_IGE_ADDON: fake }, /^this CPU has no AES-NI$/);
});

test('the default in a fresh process is the same backend as here, with the same bytes', async () => {
  const v = vector();
  const out = await runChild({}, v);
  assert.equal(out.backend, igeBackend());
  assert.ok(Buffer.from(out.decrypted, 'base64').equals(v.secret));
  assert.ok(Buffer.from(out.encrypted, 'base64').equals(v.expected));
});

test('STREAMBOT_IGE=native without a loadable addon, or an unknown STREAMBOT_IGE, stops the load with a clear error', async () => {
  const v = vector();
  await assert.rejects(runChild({ STREAMBOT_IGE: 'native', STREAMBOT_IGE_ADDON: join(tmpdir(), 'streambot-ige-nonexistent.node') }, v), (err: { stderr: string }) => {
    assert.match(err.stderr, /STREAMBOT_IGE=native, but the streambot-ige addon did not load/);
    return true;
  });
  await assert.rejects(runChild({ STREAMBOT_IGE: 'fast' }, v), (err: { stderr: string }) => {
    assert.match(err.stderr, /STREAMBOT_IGE must be "native", "wasm" or unset \(got "fast"\)/);
    return true;
  });
});

test('in-place decryption: the same plaintext where the ciphertext lay, bytes around the view untouched; the session wrapper uses it for message bodies only', { skip: noNative }, async () => {
  for (const [size, offset] of [[16, 0], [4096, 3], [65536 + 48, 8], [MiB, 0], [MiB + 16, 5]] as const) {
    const key = randomBytes(32);
    const iv = randomBytes(32);
    const plain = randomBytes(size);
    const cipher = new IGE(key, iv).encryptIge(plain);
    const backing = randomBytes(size + offset + 7);
    const around = Buffer.from(backing);
    const view = backing.subarray(offset, offset + size);
    view.set(cipher);
    const out = igeDecryptInPlace(view, key, iv);
    assert.ok(out.equals(plain), `plaintext at ${size}`);
    assert.equal(out.buffer, backing.buffer, 'no new buffer');
    assert.ok(backing.subarray(0, offset).equals(around.subarray(0, offset)) && backing.subarray(offset + size).equals(around.subarray(offset + size)), 'only the view was written');
  }
  const { FastIge } = await import('../actors/session/fast-crypto.ts');
  const key = randomBytes(32);
  const iv = randomBytes(32);
  const body = new IGE(key, iv).encryptIge(randomBytes(8192));
  const expected = new IGE(key, iv).decryptIge(body);
  const small = new IGE(key, iv).encryptIge(randomBytes(592));
  const smallCopy = Buffer.from(small);
  assert.ok(new FastIge(key, iv).decryptIge(small).equals(new IGE(key, iv).decryptIge(smallCopy)));
  assert.ok(small.equals(smallCopy), 'a small input (an auth key exchange answer) is left as it was');
  const out = new FastIge(key, iv).decryptIge(body);
  assert.ok(out.equals(expected));
  assert.equal(out.buffer, body.buffer, 'a message body is decrypted where it lies');
});
