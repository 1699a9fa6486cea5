// One load against StreamBot (or a peer's server) with the CPU and memory of every process measured apart: the
// server, the sandbox DC and the load generator, plus the bytes the DC served meanwhile.
import { ProcessMeter, type ProcessFigures } from './proc-stats.ts';
import { runJsonProcess, type SandboxProcess } from './processes.ts';
import type { LoadResult, LoadSpec } from '../loadgen/main.ts';

export interface Measured {
  load: LoadResult;
  server: ProcessFigures;
  sandbox: ProcessFigures;
  client: ProcessFigures;
  /** Bytes the sandbox DC sent in upload.getFile answers during the load. */
  dcBytes: number;
}

export async function measureLoad(o: { serverPid: number; serverDied?: Promise<never>; sandbox: SandboxProcess; spec: LoadSpec }): Promise<Measured> {
  const before = await o.sandbox.control.counters();
  const server = new ProcessMeter(o.serverPid);
  const sandbox = new ProcessMeter(o.sandbox.pid);
  const gen = runJsonProcess<LoadResult>('bench/loadgen/main.ts', o.spec);
  const client = new ProcessMeter(gen.pid);
  try {
    const load = await (o.serverDied ? Promise.race([gen.result, o.serverDied]) : gen.result);
    const after = await o.sandbox.control.counters();
    const sampled = client.stop();
    return {
      load, server: server.stop(), sandbox: sandbox.stop(), dcBytes: after.bytesServed - before.bytesServed,
      client: { cpuSeconds: load.self.cpuSeconds, rssPeakMiB: Math.max(load.self.rssPeakMiB, sampled.rssPeakMiB), rssEndMiB: sampled.rssEndMiB },
    };
  } finally {
    server.stop();
    sandbox.stop();
    client.stop();
    await gen.stop();
  }
}

const ok = (r: LoadResult['results'][number], status: number[]) => r !== null && r.outcome !== 'error' && status.includes(r.status);

/** Totals of a load: bytes, body-less failures, reads that ran to the end. */
export function loadTotals(load: LoadResult, okStatus = [200, 206]) {
  const rs = load.results;
  return {
    bytes: rs.reduce((a, r) => a + (r?.bytes ?? 0), 0),
    settledBytes: rs.reduce((a, r) => a + (r?.settledBytes ?? 0), 0),
    errors: rs.filter((r) => !ok(r, okStatus)).length,
    completed: rs.filter((r) => r?.outcome === 'complete' && okStatus.includes(r.status)).length,
    unstarted: rs.filter((r) => r === null).length,
    statuses: rs.reduce<Record<string, number>>((acc, r) => {
      const k = r === null ? 'unstarted' : r.outcome === 'error' ? `error: ${r.error}` : String(r.status);
      acc[k] = (acc[k] ?? 0) + 1;
      return acc;
    }, {}),
    ttfbMs: rs.flatMap((r) => (r && r.ttfbMs !== null ? [r.ttfbMs] : [])),
  };
}
