// 9. Actors vs one thread: the throughput of StreamBot (each session a worker thread, the main thread serving
// HTTP) against the same fetch pattern (READ_AHEAD_BLOCKS blocks in flight per stream, round-robin over the same
// sessions) with every session in the one thread that also serves HTTP.
import { startJsonServer } from '../lib/processes.ts';
import { compare } from '../lib/compare.ts';
import { MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { Scenario } from '../lib/scenario.ts';
import type { StrategySpec } from '../peers/strategy-server.ts';

const READ_AHEAD_BLOCKS = 8; // StreamBot's default

export const actors: Scenario = {
  name: 'actors',
  title: 'Actors vs one thread',
  async run({ quick, log }) {
    const sessions = 2;
    const world = await startWorld({ bots: sessions, files: Array.from({ length: 16 }, (_, i) => ({ name: `actors${i}.bin`, size: 2048 * MiB })) });
    let oneThread: { stop(): Promise<void> } | undefined;
    try {
      const sb = await world.streambot(sessions);
      oneThread = await startJsonServer<{ port: number }>('bench/peers/strategy-server.ts', { endpoint: world.sandbox.endpoint, tokens: world.bots.map((b) => b.token), channel: world.channel, strategy: 'window', window: READ_AHEAD_BLOCKS } satisfies StrategySpec);
      const info = oneThread as unknown as { pid: number; info: { port: number } };
      const { table, figures, missing } = await compare({
        world, log, runMs: (quick ? 5 : 20) * 1000, settleMs: (quick ? 1 : 3) * 1000,
        contenders: [
          { name: 'StreamBot (sessions in worker threads)', base: sb.base, pid: sb.pid, died: sb.died },
          { name: 'one thread (sessions beside the HTTP server)', base: `http://127.0.0.1:${info.info.port}`, pid: info.pid },
        ],
        conditions: quick ? [{ streams: 1, latencyMs: 0 }, { streams: 4, latencyMs: 0 }] : [{ streams: 1, latencyMs: 0 }, { streams: 16, latencyMs: 0 }, { streams: 16, latencyMs: 50 }],
      });
      return {
        tables: [{ ...table, caption: `${sessions} sessions, ${READ_AHEAD_BLOCKS} blocks in flight per stream; ${table.caption}` }],
        figures: { sessions, window: READ_AHEAD_BLOCKS, runs: figures },
        missing,
        notes: [],
      };
    } finally {
      await oneThread?.stop();
      await world.stop();
    }
  },
};
