// The load generator, run as its own process by bench scenarios: one JSON spec as argv[2], one JSON line of results
// on stdout. Every read is bounded by the spec's deadline; the process by the number of reads it is given.
//   { "reads": ReadSpec[], "deadlineMs": 60000, "concurrency"?: 16, "verify"?: {...} }
// Without concurrency all reads start at once (viewers, downloads); with it they run that many at a time, in order
// (request latency under a fixed load).
import { createHash } from 'node:crypto';
import { generatedBytes } from '../../src/sandbox/file-bytes.ts';
import { read, type ReadResult, type ReadSpec } from './http-client.ts';

export interface LoadSpec {
  /** delayMs: the read starts this long after the run (viewers joining over time). */
  reads: (ReadSpec & { verifySeed?: string; delayMs?: number })[];
  deadlineMs: number;
  concurrency?: number;
}

export interface LoadResult {
  /** One per read, in the spec's order; null for a read the deadline left unstarted. */
  results: ((ReadResult & { verified?: boolean }) | null)[];
  seconds: number;
  /** This process's own CPU seconds and peak RSS: it may exit before a /proc sample sees its end. */
  self: { cpuSeconds: number; rssPeakMiB: number };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
if (!Array.isArray(spec.reads) || !(spec.deadlineMs > 0)) {
  console.error('usage: main.ts \'{"reads":[{"url":...}],"deadlineMs":...}\'');
  process.exit(2);
}

/** SHA-256 of a generated sandbox file's bytes [start, start + length): what a correct body hashes to. */
function expectedSha(seed: string, start: number, length: number): string {
  const h = createHash('sha256');
  for (let off = 0; off < length; off += 8 << 20) h.update(generatedBytes(seed, start + off, Math.min(8 << 20, length - off)));
  return h.digest('hex');
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const deadline = t0 + spec.deadlineMs;
const results: LoadResult['results'] = spec.reads.map(() => null);
const one = async (i: number) => {
  const r = spec.reads[i]!;
  if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
  if (performance.now() >= deadline) return;
  const res: ReadResult & { verified?: boolean } = await read({ ...r, hash: r.hash || r.verifySeed !== undefined }, deadline);
  results[i] = res;
};
if (spec.concurrency) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.reads.length) }, async () => {
    while (next < spec.reads.length && performance.now() < deadline) await one(next++);
  }));
} else {
  await Promise.all(spec.reads.map((_, i) => one(i)));
}
const seconds = (performance.now() - t0) / 1000;
// Checked after the clock stopped, so hashing the expected bytes costs the readers nothing.
for (const [i, r] of spec.reads.entries()) {
  const res = results[i];
  // Only bodies of the file are checked: an error page (503, 416) is counted by its status, not as a wrong byte.
  if (!res || r.verifySeed === undefined || !res.sha256 || (res.status !== 200 && res.status !== 206)) continue;
  res.verified = res.sha256 === expectedSha(r.verifySeed, r.start ?? 0, res.bytes);
}
const cpu = process.cpuUsage(cpu0); // the reads and the checks, not Node's and tsx's start
const self = { cpuSeconds: (cpu.user + cpu.system) / 1e6, rssPeakMiB: process.resourceUsage().maxRSS / 1024 };
console.log(JSON.stringify({ results, seconds, self } satisfies LoadResult));
