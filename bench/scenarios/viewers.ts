// 3. Many slow viewers: 1000 clients, each reading its own region of one large file at about 1 Mbit/s (as a
// player does: it stops draining when its buffer is ahead), for 60 s. StreamBot's RSS peak, errors, time to first
// byte, what the clients got of what they asked, what the DC served per byte delivered, and the bytes checked
// (SHA-256 of every tenth client's body against the file).
import { loadTotals, measureLoad } from '../lib/measure.ts';
import { round, spread, MB, MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { Scenario } from '../lib/scenario.ts';

export const viewers: Scenario = {
  name: 'viewers',
  title: 'Many slow viewers at 1 Mbit/s',
  async run({ quick, log }) {
    const clients = quick ? 40 : 1000;
    const sessions = 2;
    const rate = 125_000; // 1 Mbit/s
    const runMs = (quick ? 6 : 60) * 1000;
    const region = 8 * MiB; // more than a client reads in the run
    const checkEvery = quick ? 1 : 10;
    const world = await startWorld({ bots: sessions, files: [{ name: 'viewers.bin', size: clients * region }] });
    try {
      const sb = await world.streambot(sessions);
      const file = world.files[0]!;
      const url = `${sb.base}/stream/${file.messageId}`;
      await fetch(url, { headers: { range: 'bytes=0-0' } }).then((r) => r.arrayBuffer());
      log(`${clients} clients at ${rate * 8 / 1e6} Mbit/s for ${runMs / 1000} s`);
      // Unaligned starts: players ask for whatever byte they need.
      const reads = Array.from({ length: clients }, (_, i) => ({ url, start: i * region + ((i * 7919) % 65536), rateBytesPerSec: rate, ...(i % checkEvery === 0 ? { verifySeed: file.seed } : {}) }));
      const m = await measureLoad({ serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox, spec: { deadlineMs: runMs, reads } });
      const t = loadTotals(m.load, [206]);
      const checked = m.load.results.filter((r) => r?.verified !== undefined);
      const wrong = checked.filter((r) => r!.verified === false).length;
      const starved = m.load.results.filter((r) => r && r.status === 206 && r.bytes === 0).length;
      const asked = clients * rate * m.load.seconds;
      const ttfb = spread(t.ttfbMs);
      const row = [clients, t.errors, starved, round(t.bytes / MB / m.load.seconds, 1), round(asked / MB / m.load.seconds, 1), round(t.bytes / asked, 2), ttfb.p50, ttfb.p99, round(m.server.rssPeakMiB, 0), round(m.server.cpuSeconds, 1), round(m.dcBytes / t.bytes, 2), `${checked.length - wrong}/${checked.length}`];
      return {
        tables: [{
          caption: `${sessions} sessions, one ${(clients * region) / MiB} MiB file, each client from its own offset, ${runMs / 1000} s`,
          columns: ['clients', 'errors', 'no byte in time', 'MB/s delivered', 'MB/s asked', 'delivered ÷ asked', 'TTFB p50 ms', 'TTFB p99 ms', 'StreamBot RSS peak MiB', 'StreamBot CPU s', 'DC bytes ÷ delivered', 'bodies byte-exact'],
          rows: [row],
        }],
        figures: { clients, sessions, rateBytesPerSec: rate, seconds: m.load.seconds, bytes: t.bytes, errors: t.errors, statuses: t.statuses, starved, ttfbMs: ttfb, streambot: m.server, sandbox: m.sandbox, client: m.client, dcBytes: m.dcBytes, checked: checked.length, wrong },
        missing: [...(checked.length === 0 ? ['no body was checked against the file'] : []), ...(wrong ? [`${wrong} bodies differ from the file`] : [])],
        notes: ['errors: an answer other than 206 or a failed connection; "no byte in time": a 206 whose first body byte had not come when the run ended.'],
      };
    } finally {
      await world.stop();
    }
  },
};
