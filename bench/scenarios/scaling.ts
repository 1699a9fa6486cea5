// 2. Scaling: k = 1, 2, 4, 8 sessions, each capped at c bytes/s by the sandbox DC, with one stream and with eight
// (each its own file): the aggregate rate after a ramp-up, divided by k·c. 1.0 means every session is kept busy.
import { loadTotals, measureLoad } from '../lib/measure.ts';
import { round, MB, MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { Scenario } from '../lib/scenario.ts';

export const scaling: Scenario = {
  name: 'scaling',
  title: 'Scaling: k sessions each capped at c',
  async run({ quick, log }) {
    const ks = quick ? [1, 2] : [1, 2, 4, 8];
    const cap = 4 * MiB;
    const runMs = (quick ? 5 : 20) * 1000;
    const settleMs = (quick ? 1.5 : 4) * 1000;
    const streamCounts = [1, 8];
    const fileSize = 1024 * MiB;
    const world = await startWorld({ bots: Math.max(...ks), files: Array.from({ length: 8 }, (_, i) => ({ name: `scaling${i}.bin`, size: fileSize })) });
    try {
      const rows = [];
      const figures = [];
      for (const k of ks) {
        const sb = await world.streambot(k);
        try {
          // Metadata cached and every session's exported authorization on the files' DC made before the clock runs.
          for (const f of world.files) await fetch(`${sb.base}/dl/${f.messageId}`, { headers: { range: 'bytes=0-0' } }).then((r) => r.arrayBuffer());
          await world.sandbox.control.setBandwidthCap(cap);
          for (const n of streamCounts) {
            log(`${k} sessions capped at ${cap / MiB} MiB/s, ${n} streams`);
            const m = await measureLoad({
              serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox,
              spec: { deadlineMs: runMs, reads: Array.from({ length: n }, (_, i) => ({ url: `${sb.base}/dl/${world.files[i]!.messageId}`, settleMs })) },
            });
            const t = loadTotals(m.load);
            const rate = t.settledBytes / ((m.load.seconds * 1000 - settleMs) / 1000);
            const ratio = rate / (k * cap);
            figures.push({ sessions: k, streams: n, capBytesPerSec: cap, MBps: round(rate / MB, 2), ratioToKc: round(ratio, 2), errors: t.errors, statuses: t.statuses, cpuSeconds: round(m.server.cpuSeconds, 2) });
            rows.push([k, n, round((k * cap) / MB, 1), round(rate / MB, 1), round(ratio, 2), t.errors, round(m.server.cpuSeconds, 1)]);
          }
        } finally {
          await world.sandbox.control.setBandwidthCap(0);
          await sb.stop();
        }
      }
      return {
        tables: [{
          caption: `c = ${cap / MiB} MiB/s per session (sandbox cap); rate measured from ${settleMs / 1000} s to ${runMs / 1000} s`,
          columns: ['sessions k', 'streams', 'k·c MB/s', 'MB/s', 'MB/s ÷ k·c', 'errors', 'StreamBot CPU s'],
          rows,
        }],
        figures: { runs: figures },
        missing: [],
        notes: ['StreamBot runs with its default READ_AHEAD_BLOCKS; the eight streams each read their own file.'],
      };
    } finally {
      await world.stop();
    }
  },
};
