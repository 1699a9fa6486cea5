// 6. Memory: StreamBot's RSS with 1, 2, 4 and 8 sessions, idle (after its sessions are ready and it settled) and
// under one full-speed stream, and the cost of one more session (least-squares slope over k).
import { measureLoad } from '../lib/measure.ts';
import { ProcessMeter } from '../lib/proc-stats.ts';
import { linearFit, round, MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { Scenario } from '../lib/scenario.ts';

export const memory: Scenario = {
  name: 'memory',
  title: 'Memory per session',
  async run({ quick, log }) {
    const ks = quick ? [1, 2] : [1, 2, 4, 8];
    const settleMs = (quick ? 2 : 8) * 1000;
    const loadMs = (quick ? 4 : 15) * 1000;
    const world = await startWorld({ bots: Math.max(...ks), files: [{ name: 'memory.bin', size: 4096 * MiB }] });
    try {
      const rows = [];
      const figures = [];
      for (const k of ks) {
        log(`${k} sessions`);
        const sb = await world.streambot(k);
        try {
          await new Promise((r) => setTimeout(r, settleMs));
          // Idle: the RSS over two quiet seconds, its highest sample.
          const idleMeter = new ProcessMeter(sb.pid);
          await new Promise((r) => setTimeout(r, 2000));
          const idle = idleMeter.stop();
          const m = await measureLoad({ serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox, spec: { deadlineMs: loadMs, reads: [{ url: `${sb.base}/dl/${world.files[0]!.messageId}` }] } });
          const bytes = m.load.results[0]?.bytes ?? 0;
          figures.push({ sessions: k, idleRssMiB: round(idle.rssPeakMiB, 1), loadRssPeakMiB: round(m.server.rssPeakMiB, 1), loadMBps: round(bytes / 1e6 / m.load.seconds, 1) });
          rows.push([k, round(idle.rssPeakMiB, 0), round(m.server.rssPeakMiB, 0), round(bytes / 1e6 / m.load.seconds, 1)]);
        } finally {
          await sb.stop();
        }
      }
      const idleFit = linearFit(figures.map((f) => f.sessions), figures.map((f) => f.idleRssMiB ?? NaN));
      const loadFit = linearFit(figures.map((f) => f.sessions), figures.map((f) => f.loadRssPeakMiB ?? NaN));
      return {
        tables: [
          { caption: `RSS of StreamBot's process (main thread and session workers); load: one full-speed download for ${loadMs / 1000} s`, columns: ['sessions', 'idle RSS MiB', 'RSS peak under load MiB', 'load MB/s'], rows },
          { caption: 'one more session (slope of a least-squares line over the sessions)', columns: ['state', 'MiB per extra session', 'MiB at 0 sessions (intercept)'], rows: [['idle', round(idleFit.slope, 1), round(idleFit.intercept, 0)], ['under load', round(loadFit.slope, 1), round(loadFit.intercept, 0)]] },
        ],
        figures: { runs: figures, perSessionMiB: { idle: round(idleFit.slope, 1), load: round(loadFit.slope, 1) }, interceptMiB: { idle: round(idleFit.intercept, 0), load: round(loadFit.intercept, 0) } },
        missing: [],
        notes: [],
      };
    } finally {
      await world.stop();
    }
  },
};
