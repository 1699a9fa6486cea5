// 7. Crypto floor: what a received 1 MiB block must cost at least — one AES-256-IGE decryption and one SHA-256 (the
// msg_key check) — measured on one core in this run for gramjs's own IGE, the wasm IGE, the native addon (when it
// loads) and OpenSSL's serial AES as a reference; then StreamBot's CPU per MiB streamed (one session, one
// full-speed download) ÷ each.
import { createRequire } from 'node:module';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { igeBackend, igeDecryptNative, igeDecryptWasm, igeFallbackReason } from '../../src/crypto/ige.ts';
import { measureLoad } from '../lib/measure.ts';
import { round, MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { Scenario } from '../lib/scenario.ts';

const require = createRequire(import.meta.url);

/** ms of one core per MiB for `fn` over `total` bytes in 1 MiB messages, a new key and IV each, best of three. */
function msPerMiB(total: number, fn: (data: Buffer, key: Buffer, iv: Buffer) => unknown): number {
  const data = randomBytes(MiB);
  const keys = Array.from({ length: 16 }, () => [randomBytes(32), randomBytes(32)] as const);
  fn(data, keys[0]![0], keys[0]![1]); // warm-up: wasm compiled, JIT settled
  let best = Infinity;
  for (let run = 0; run < 3; run++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < total / MiB; i++) fn(data, keys[i % 16]![0], keys[i % 16]![1]);
    const used = process.cpuUsage(t0);
    best = Math.min(best, (used.user + used.system) / 1000 / (total / MiB));
  }
  return best;
}

export const cryptoFloor: Scenario = {
  name: 'crypto',
  title: 'Crypto floor: AES-256-IGE + SHA-256 per MiB',
  async run({ quick, log }) {
    const total = (quick ? 8 : 128) * MiB;
    log(`AES-256-IGE and SHA-256 over ${total / MiB} MiB on one core`);
    const { IGE } = require('telegram/crypto/IGE') as { IGE: new (key: Buffer, iv: Buffer) => { decryptIge(b: Buffer): Buffer } };
    const sha = msPerMiB(total, (d) => createHash('sha256').update(d).digest());
    const gramjs = msPerMiB(quick ? 4 * MiB : 32 * MiB, (d, k, iv) => new IGE(k, iv).decryptIge(d));
    const wasm = msPerMiB(total, (d, k, iv) => igeDecryptWasm(d, k, iv));
    const addon = igeDecryptNative ? msPerMiB(total, (d, k, iv) => igeDecryptNative!(d, k, iv)) : NaN;
    // Serial AES-256 with AES-NI, as IGE must be: OpenSSL's CBC encryption cannot run blocks in parallel either.
    const openssl = msPerMiB(total, (d, k, iv) => {
      const c = createCipheriv('aes-256-cbc', k, iv.subarray(0, 16));
      c.setAutoPadding(false);
      return c.update(d);
    });

    log('StreamBot: one session, one full-speed download');
    const size = (quick ? 32 : 256) * MiB;
    const world = await startWorld({ bots: 1, files: [{ name: 'crypto.bin', size }] });
    let streamMsPerMiB = NaN;
    try {
      const sb = await world.streambot(1);
      const url = `${sb.base}/dl/${world.files[0]!.messageId}`;
      await fetch(url, { headers: { range: 'bytes=0-0' } }).then((r) => r.arrayBuffer());
      const m = await measureLoad({ serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox, spec: { deadlineMs: 300_000, reads: [{ url }] } });
      const bytes = m.load.results[0]?.bytes ?? 0;
      if (bytes === size) streamMsPerMiB = (m.server.cpuSeconds * 1000) / (size / MiB);
    } finally {
      await world.stop();
    }
    const backend = igeBackend();
    const row = (name: string, ms: number) => [name, round((1000 / ms) * 1.048576, 0), round(ms + sha, 2), round(streamMsPerMiB / (ms + sha), 1)];
    const rows = [
      row('gramjs telegram/crypto/IGE (pure JS)', gramjs),
      row(`@mtcute/wasm${backend === 'wasm' ? ' (the sessions\' IGE)' : ''}`, wasm),
      ...(igeDecryptNative ? [row(`native addon streambot-ige${backend === 'native' ? ' (the sessions\' IGE)' : ''}`, addon)] : []),
      row('reference: OpenSSL AES-256-CBC encrypt (serial AES-NI)', openssl),
    ];
    return {
      tables: [
        { caption: `one core, 1 MiB messages, a new key each; SHA-256 (node:crypto) ${round(sha, 2)} ms/MiB`, columns: ['AES-256-IGE decryption', 'MB/s', 'floor: IGE + SHA-256 ms/MiB', 'StreamBot CPU ms/MiB ÷ floor'], rows },
        { caption: 'StreamBot streaming one file with one session, all its threads', columns: ['CPU ms per MiB delivered'], rows: [[round(streamMsPerMiB, 2)]] },
      ],
      figures: { sha256MsPerMiB: round(sha, 3), sessionsIge: backend, igeMsPerMiB: { gramjs: round(gramjs, 3), wasm: round(wasm, 3), native: round(addon, 3), opensslCbc: round(openssl, 3) }, streambotCpuMsPerMiB: round(streamMsPerMiB, 2) },
      missing: [],
      notes: [
        `The sessions decrypt with the ${backend === 'native' ? 'native addon' : `wasm IGE (${igeFallbackReason() ?? 'the native addon is not in use'})`}; the floor to compare StreamBot with is that row's.`,
      ],
    };
  },
};
