// Several download servers (StreamBot, the peers' strategies) on the same sandbox files and client, under the same
// conditions, one after another: aggregate MB/s over a bounded time, the server's CPU per MiB, and each server's
// rate as a ratio to the first one's.
import { loadTotals, measureLoad } from './measure.ts';
import { round, MB, MiB } from './stats.ts';
import type { World } from './world.ts';
import type { Cell, Table } from './scenario.ts';

export interface Contender {
  name: string;
  base: string;
  pid: number;
  died?: Promise<never>;
}

export interface Condition {
  streams: number;
  latencyMs: number;
}

export async function compare(o: { world: World; contenders: Contender[]; conditions: Condition[]; runMs: number; settleMs: number; log(msg: string): void }) {
  const dcs = Object.keys(o.world.sandbox.endpoint.ports).map(Number);
  const figures: Record<string, unknown>[] = [];
  const rows: Cell[][] = [];
  for (const c of o.conditions) {
    for (const dc of dcs) await o.world.sandbox.control.setLatency(dc, c.latencyMs);
    let reference = NaN;
    try {
      for (const who of o.contenders) {
        o.log(`${who.name}: ${c.streams} streams, DC +${c.latencyMs} ms`);
        const m = await measureLoad({
          serverPid: who.pid, serverDied: who.died, sandbox: o.world.sandbox,
          spec: { deadlineMs: o.runMs, reads: Array.from({ length: c.streams }, (_, i) => ({ url: `${who.base}/dl/${o.world.files[i % o.world.files.length]!.messageId}`, settleMs: o.settleMs })) },
        });
        const t = loadTotals(m.load);
        const mbps = t.settledBytes / MB / (m.load.seconds - o.settleMs / 1000);
        if (Number.isNaN(reference)) reference = mbps;
        const cpuMsPerMiB = (m.server.cpuSeconds * 1000) / (t.bytes / MiB);
        figures.push({ contender: who.name, ...c, MBps: round(mbps, 1), ratio: round(mbps / reference, 2), cpuMsPerMiB: round(cpuMsPerMiB, 2), rssPeakMiB: round(m.server.rssPeakMiB, 0), errors: t.errors, statuses: t.statuses, ttfbMs: round(Math.max(...t.ttfbMs), 0) });
        rows.push([who.name, c.streams, c.latencyMs, round(mbps, 1), round(mbps / reference, 2), round(cpuMsPerMiB, 1), round(m.server.rssPeakMiB, 0), t.errors]);
      }
    } finally {
      for (const dc of dcs) await o.world.sandbox.control.setLatency(dc, 0);
    }
  }
  const table: Table = {
    caption: `rate from ${o.settleMs / 1000} s to ${o.runMs / 1000} s of each run; each stream its own file; ratio to ${o.contenders[0]!.name} under the same condition`,
    columns: ['server', 'streams', 'DC latency ms', 'MB/s', `÷ ${o.contenders[0]!.name}`, 'CPU ms/MiB', 'RSS peak MiB', 'errors'],
    rows,
  };
  const missing = figures.filter((f) => (f.errors as number) > 0).map((f) => `${f.contender}, ${f.streams} streams, +${f.latencyMs} ms: ${f.errors} downloads failed: ${JSON.stringify(f.statuses)}`);
  return { table, figures, missing };
}
