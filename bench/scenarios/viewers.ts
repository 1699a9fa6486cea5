// 3. Many slow viewers, as players read (a player stops draining when its buffer is ahead), each bounded in time:
//   - regions: 1000 clients, each reading its own region of one file at 1 Mbit/s;
//   - one video, from the start: 1000 clients of one 1 GiB video at 1 Mbit/s, joining over the first 20 s, each
//     from the video's first byte (a popular video);
//   - one video: the same at scattered offsets, all at once (viewers seeking about a long video);
//   - 20 files: 1000 clients spread over 20 files at 128 kbit/s.
// Reported: errors, first bytes that never came, TTFB p50/p99, what the clients got of what they asked, StreamBot's
// RSS peak and CPU, the bytes the DC served per distinct byte delivered (1.0: every byte fetched once), and bodies
// checked by SHA-256 against the files (every tenth client).
import { loadTotals, measureLoad } from '../lib/measure.ts';
import { round, seededRandom, spread, MB, MiB } from '../lib/stats.ts';
import { startWorld, type BenchFile } from '../lib/world.ts';
import type { LoadResult } from '../loadgen/main.ts';
import type { Cell } from '../lib/scenario.ts';
import type { Scenario } from '../lib/scenario.ts';

interface Variant {
  name: string;
  clients: number;
  rate: number;
  files: { name: string; size: number }[];
  /** Which file and from which byte client i reads, and when it starts (ms into the run; default at once). */
  place(i: number, files: BenchFile[], rand: () => number): { file: BenchFile; start: number; delayMs?: number };
}

/** Bytes of the union of [start, start + bytes) per file: what a cache that kept everything would fetch. */
function distinctBytes(reads: { key: string; start: number; bytes: number }[]): number {
  const byFile = new Map<string, [number, number][]>();
  for (const r of reads) if (r.bytes > 0) (byFile.get(r.key) ?? byFile.set(r.key, []).get(r.key)!).push([r.start, r.start + r.bytes]);
  let total = 0;
  for (const spans of byFile.values()) {
    spans.sort((a, b) => a[0] - b[0]);
    let [s, e] = spans[0]!;
    for (const [a, b] of spans.slice(1)) {
      if (a > e) {
        total += e - s;
        [s, e] = [a, b];
      } else e = Math.max(e, b);
    }
    total += e - s;
  }
  return total;
}

export const viewers: Scenario = {
  name: 'viewers',
  title: 'Many slow viewers',
  async run({ quick, log }) {
    const clients = quick ? 40 : 1000;
    const sessions = 2;
    const runMs = (quick ? 6 : 60) * 1000;
    const checkEvery = quick ? 1 : 10;
    const joinMs = (quick ? 2 : 20) * 1000;
    const region = 8 * MiB; // more than a 1 Mbit/s client reads in 60 s
    const videoSize = (quick ? 128 : 1024) * MiB;
    const variants: Variant[] = [
      { name: 'regions', clients, rate: 125_000, files: [{ name: 'regions.bin', size: clients * region }], place: (i, f) => ({ file: f[0]!, start: i * region + ((i * 7919) % 65536) }) },
      { name: 'one video, from the start', clients, rate: 125_000, files: [{ name: 'premiere.mp4', size: videoSize }], place: (i, f) => ({ file: f[0]!, start: 0, delayMs: Math.floor((i * joinMs) / clients) }) },
      { name: 'one video', clients, rate: 125_000, files: [{ name: 'video.mp4', size: videoSize }], place: (_i, f, r) => ({ file: f[0]!, start: Math.floor(r() * (videoSize - 16 * MiB)) }) },
      { name: '20 files', clients, rate: 16_000, files: Array.from({ length: 20 }, (_, k) => ({ name: `clip${k}.mp4`, size: 256 * MiB })), place: (i, f, r) => ({ file: f[i % 20]!, start: Math.floor(r() * 240 * MiB) }) },
    ];
    const world = await startWorld({ bots: sessions });
    const rows: Cell[][] = [];
    const figures: Record<string, unknown>[] = [];
    const missing: string[] = [];
    try {
      // Over loopback (64 KiB segments) a client draining 16 kB/s in 64 KiB reads lets the server send only in
      // steps that can be more than 10 s apart, which a real network's 1.4 kB segments do not: with the default
      // HTTP_IDLE_TIMEOUT_MS StreamBot rightly closes such a client as one that stopped reading. Readers here all read.
      const sb = await world.streambot(sessions, { HTTP_IDLE_TIMEOUT_MS: '60000' });
      for (const v of variants) {
        const files: BenchFile[] = [];
        for (const f of v.files) files.push(await world.addFile(`${v.name}-${f.name}`, f.size));
        for (const f of files) await fetch(`${sb.base}/stream/${f.messageId}`, { headers: { range: 'bytes=0-0' } }).then((r) => r.arrayBuffer());
        log(`${v.name}: ${v.clients} clients at ${(v.rate * 8) / 1000} kbit/s for ${runMs / 1000} s`);
        const rand = seededRandom(3);
        const placed = Array.from({ length: v.clients }, (_, i) => v.place(i, files, rand));
        const reads = placed.map((p, i) => ({ url: `${sb.base}/stream/${p.file.messageId}`, start: p.start, rateBytesPerSec: v.rate, ...(p.delayMs ? { delayMs: p.delayMs } : {}), ...(i % checkEvery === 0 ? { verifySeed: p.file.seed } : {}) }));
        const m = await measureLoad({ serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox, spec: { deadlineMs: runMs, reads } });
        const t = loadTotals(m.load, [206]);
        const results = m.load.results as (LoadResult['results'][number])[];
        const checked = results.filter((r) => r?.verified !== undefined);
        const wrong = checked.filter((r) => r!.verified === false).length;
        const starved = results.filter((r) => r && r.status === 206 && r.bytes === 0).length;
        const asked = placed.reduce((sum, p) => sum + v.rate * Math.max(0, m.load.seconds - (p.delayMs ?? 0) / 1000), 0);
        const distinct = distinctBytes(placed.map((p, i) => ({ key: p.file.name, start: p.start, bytes: results[i]?.bytes ?? 0 })));
        const ttfb = spread(t.ttfbMs);
        rows.push([v.name, v.clients, `${(v.rate * 8) / 1000} kbit/s`, t.errors, starved, ttfb.p50, ttfb.p99, round(t.bytes / asked, 2), round(m.dcBytes / distinct, 2), round(m.server.rssPeakMiB, 0), round(m.server.cpuSeconds, 1), `${checked.length - wrong}/${checked.length}`]);
        figures.push({ variant: v.name, clients: v.clients, rateBytesPerSec: v.rate, seconds: m.load.seconds, bytes: t.bytes, distinctBytes: distinct, dcBytes: m.dcBytes, errors: t.errors, statuses: t.statuses, starved, ttfbMs: ttfb, streambot: m.server, sandbox: m.sandbox, client: m.client, checked: checked.length, wrong });
        if (checked.length === 0) missing.push(`${v.name}: no body was checked against the file`);
        if (wrong) missing.push(`${v.name}: ${wrong} bodies differ from the file`);
      }
    } finally {
      await world.stop();
    }
    return {
      tables: [{
        caption: `${sessions} sessions, one StreamBot for the four runs, ${runMs / 1000} s each; every client on its own connection from its own offset`,
        columns: ['viewers', 'clients', 'pace', 'errors', 'no byte in time', 'TTFB p50 ms', 'TTFB p99 ms', 'delivered ÷ asked', 'DC bytes ÷ distinct delivered', 'StreamBot RSS peak MiB', 'StreamBot CPU s', 'bodies byte-exact'],
        rows,
      }],
      figures: { sessions, runs: figures },
      missing,
      notes: ['StreamBot runs with HTTP_IDLE_TIMEOUT_MS=60000 here: over loopback a slow paced reader\'s TCP window opens in steps over 10 s apart, and the default (10 s) then closes it as a client that stopped reading.', 'errors: an answer other than 206 or a failed connection; "no byte in time": a 206 whose first body byte had not come when the run ended. "distinct delivered": the bytes of the union of what the clients got, per file.'],
    };
  },
};
