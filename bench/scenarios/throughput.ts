// 1. Throughput: 1, 16 and 128 concurrent full downloads of one 256 MiB file through one session, uncapped:
// aggregate and per-stream MB/s, StreamBot's CPU per MiB delivered. Each level reads a file nobody read before, so
// what the block cache kept from the previous level does not count. Each level is bounded in time: downloads
// still running at the bound count with the bytes they got.
import { loadTotals, measureLoad } from '../lib/measure.ts';
import { round, MB, MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { Scenario } from '../lib/scenario.ts';

export const throughput: Scenario = {
  name: 'throughput',
  title: 'Throughput: concurrent full downloads, one session',
  async run({ quick, log }) {
    const size = (quick ? 32 : 256) * MiB;
    const levels = quick ? [1, 4] : [1, 16, 128];
    const boundMs = (quick ? 15 : 120) * 1000;
    const world = await startWorld({ bots: 1 });
    try {
      const sb = await world.streambot(1);
      const rows = [];
      const figures: Record<string, unknown>[] = [];
      for (const n of levels) {
        const file = await world.addFile(`throughput-${n}.bin`, size);
        const url = `${sb.base}/dl/${file.messageId}`;
        log(`${n} concurrent downloads of ${size / MiB} MiB`);
        const m = await measureLoad({
          serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox,
          spec: { deadlineMs: boundMs, reads: Array.from({ length: n }, (_, i) => ({ url, ...(i === 0 ? { verifySeed: file.seed } : {}) })) },
        });
        const t = loadTotals(m.load);
        const perStream = m.load.results.map((r) => (r ? r.bytes / MB / (r.totalMs / 1000) : NaN));
        const verified = m.load.results[0]?.verified;
        const mbps = t.bytes / MB / m.load.seconds;
        const row = {
          streams: n, completed: t.completed, errors: t.errors, MBps: round(mbps), perStreamMBpsMin: round(Math.min(...perStream)), perStreamMBpsMax: round(Math.max(...perStream)),
          cpuMsPerMiB: round((m.server.cpuSeconds * 1000) / (t.bytes / MiB), 2), streambotRssPeakMiB: round(m.server.rssPeakMiB, 0),
          sandboxCpuS: round(m.sandbox.cpuSeconds, 2), clientCpuS: round(m.client.cpuSeconds, 2), dcBytesPerDelivered: round(m.dcBytes / t.bytes, 2), firstStreamByteExact: verified ?? null, seconds: round(m.load.seconds, 1),
        };
        figures.push({ ...row, statuses: t.statuses });
        rows.push([n, `${t.completed}/${n}`, t.errors, row.MBps, `${row.perStreamMBpsMin} – ${row.perStreamMBpsMax}`, row.cpuMsPerMiB, row.streambotRssPeakMiB, row.sandboxCpuS, row.clientCpuS, row.dcBytesPerDelivered, row.seconds]);
      }
      const missing = figures.filter((f) => f.firstStreamByteExact !== true).map((f) => `${f.streams} streams: the first stream's bytes were not checked equal to the file`);
      return {
        tables: [{
          caption: `${size / MiB} MiB file, 1 session, no cap, each level bounded at ${boundMs / 1000} s`,
          columns: ['streams', 'complete', 'errors', 'MB/s aggregate', 'MB/s per stream (min – max)', 'StreamBot CPU ms/MiB', 'StreamBot RSS peak MiB', 'sandbox CPU s', 'client CPU s', 'DC bytes ÷ delivered', 's'],
          rows,
        }],
        figures: { sizeBytes: size, levels: figures },
        missing,
        notes: ['A download not complete at the bound counts with the bytes it got. The streams of a level read the same file: "DC bytes ÷ delivered" below 1 is blocks they shared.'],
      };
    } finally {
      await world.stop();
    }
  },
};
