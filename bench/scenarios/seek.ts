// 4. Seek: 64 KiB range requests at random offsets of a 2 GiB file, each on a new connection as a player's seek is:
// time to the first byte, p50 and p99. "Cold": an offset nobody read; "warm": the same offset asked again right
// after. Idle and under background downloads, with the sandbox DC answering at once and 50 ms later.
import { loadTotals, measureLoad } from '../lib/measure.ts';
import { runJsonProcess } from '../lib/processes.ts';
import { round, seededRandom, spread, MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { LoadResult } from '../loadgen/main.ts';
import type { Scenario } from '../lib/scenario.ts';

const SEEK_BYTES = 64 * 1024;

export const seek: Scenario = {
  name: 'seek',
  title: 'Seek: time to first byte at random offsets',
  async run({ quick, log }) {
    const sessions = 2;
    const seeks = quick ? 3 : 50;
    const fileSize = (quick ? 256 : 2048) * MiB;
    const downloads = quick ? 2 : 8;
    const configs = [
      { load: false, latencyMs: 0 }, { load: true, latencyMs: 0 },
      { load: false, latencyMs: 50 }, { load: true, latencyMs: 50 },
    ];
    const world = await startWorld({ bots: sessions, files: Array.from({ length: downloads }, (_, i) => ({ name: `load${i}.bin`, size: 2048 * MiB })) });
    const rand = seededRandom(1);
    try {
      const sb = await world.streambot(sessions);
      const prime = (messageId: number) => fetch(`${sb.base}/stream/${messageId}`, { headers: { range: 'bytes=0-0' } }).then((r) => r.arrayBuffer());
      for (const f of world.files) await prime(f.messageId);
      const rows = [];
      const figures = [];
      for (const c of configs) {
        const name = `${c.load ? `${downloads} downloads` : 'idle'}, DC +${c.latencyMs} ms`;
        log(name);
        // A fresh file per configuration: its cold offsets were never read.
        const file = await world.addFile(`seek-${figures.length}.bin`, fileSize);
        const url = `${sb.base}/stream/${file.messageId}`;
        await prime(file.messageId);
        for (const dc of Object.keys(world.sandbox.endpoint.ports).map(Number)) await world.sandbox.control.setLatency(dc, c.latencyMs);
        const used = new Set<number>();
        const offsets = Array.from({ length: seeks }, () => {
          for (;;) {
            const mib = Math.floor(rand() * (fileSize / MiB - 1));
            if (used.has(mib)) continue;
            used.add(mib);
            // Not block-aligned, as a player's byte offsets are not.
            return mib * MiB + Math.floor(rand() * (MiB - SEEK_BYTES));
          }
        });
        const background = c.load
          ? runJsonProcess<LoadResult>('bench/loadgen/main.ts', { deadlineMs: 600_000, reads: world.files.filter((f) => f.name.startsWith('load')).map((f) => ({ url: `${sb.base}/dl/${f.messageId}` })) })
          : undefined;
        background?.result.catch(() => {});
        if (background) await new Promise((r) => setTimeout(r, quick ? 1000 : 3000));
        let m;
        try {
          m = await measureLoad({
            serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox,
            spec: {
              deadlineMs: (quick ? 60 : 600) * 1000, concurrency: 1,
              reads: offsets.flatMap((o, i) => [
                { url, start: o, end: o + SEEK_BYTES - 1, ...(i === 0 ? { verifySeed: file.seed } : {}) },
                { url, start: o, end: o + SEEK_BYTES - 1 },
              ]),
            },
          });
        } finally {
          await background?.stop();
          for (const dc of Object.keys(world.sandbox.endpoint.ports).map(Number)) await world.sandbox.control.setLatency(dc, 0);
        }
        const rs = m.load.results;
        const good = (r: (typeof rs)[number]) => r !== null && r.status === 206 && r.bytes === SEEK_BYTES && r.ttfbMs !== null;
        const cold = rs.filter((_, i) => i % 2 === 0).filter(good).map((r) => r!.ttfbMs!);
        const warm = rs.filter((_, i) => i % 2 === 1).filter(good).map((r) => r!.ttfbMs!);
        const t = loadTotals(m.load, [206]);
        const cs = spread(cold);
        const ws = spread(warm);
        figures.push({ name, ...c, cold: cs, warm: ws, errors: t.errors, statuses: t.statuses, verified: rs[0]?.verified ?? null, streambot: m.server, sandbox: m.sandbox });
        rows.push([name, cs.p50, cs.p99, ws.p50, ws.p99, `${cold.length + warm.length}/${2 * seeks}`, round(m.server.cpuSeconds, 1), round(m.server.rssPeakMiB, 0)]);
      }
      const missing = figures.flatMap((f) => [
        ...(f.verified !== true ? [`${f.name}: the first seek's bytes were not checked equal to the file`] : []),
        ...(f.cold.n + f.warm.n < 2 * seeks ? [`${f.name}: ${2 * seeks - f.cold.n - f.warm.n} seeks failed: ${JSON.stringify(f.statuses)}`] : []),
      ]);
      return {
        tables: [{
          caption: `${sessions} sessions, ${seeks} seeks of 64 KiB per kind into a ${fileSize / MiB} MiB file, one after another, each on a new connection`,
          columns: ['condition', 'cold TTFB p50 ms', 'cold p99', 'warm TTFB p50 ms', 'warm p99', 'seeks answered', 'StreamBot CPU s', 'StreamBot RSS peak MiB'],
          rows,
        }],
        figures: { seeks, fileSizeBytes: fileSize, configurations: figures },
        missing,
        notes: [`"DC +50 ms": the sandbox answers every request 50 ms later. Background downloads: ${downloads} full downloads of other 2 GiB files, from another process.`],
      };
    } finally {
      await world.stop();
    }
  },
};
