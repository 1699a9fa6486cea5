// 8. Peers' strategies on the same files in the same run: StreamBot, sequential 1 MiB requests with no read-ahead
// over one session (the reference bot's way) and 4 blocks in flight per stream round-robin over the sessions (the Go
// peer's default), each as its own process on the same sandbox DC.
import { startJsonServer } from '../lib/processes.ts';
import { compare } from '../lib/compare.ts';
import { MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { Scenario } from '../lib/scenario.ts';
import type { StrategySpec } from '../peers/strategy-server.ts';

export const peers: Scenario = {
  name: 'peers',
  title: 'Peers\' strategies side by side',
  async run({ quick, log }) {
    const sessions = 2;
    const world = await startWorld({ bots: sessions, files: Array.from({ length: 8 }, (_, i) => ({ name: `peer${i}.bin`, size: 2048 * MiB })) });
    const servers: { stop(): Promise<void> }[] = [];
    try {
      const sb = await world.streambot(sessions);
      const peer = async (strategy: StrategySpec['strategy'], window?: number) => {
        const s = await startJsonServer<{ port: number }>('bench/peers/strategy-server.ts', { endpoint: world.sandbox.endpoint, tokens: world.bots.map((b) => b.token), channel: world.channel, strategy, window } satisfies StrategySpec);
        servers.push(s);
        return { base: `http://127.0.0.1:${s.info.port}`, pid: s.pid };
      };
      const sequential = await peer('sequential');
      const window4 = await peer('window', 4);
      const { table, figures, missing } = await compare({
        world, log, runMs: (quick ? 5 : 20) * 1000, settleMs: (quick ? 1 : 3) * 1000,
        contenders: [
          { name: 'StreamBot', base: sb.base, pid: sb.pid, died: sb.died },
          { name: 'sequential, 1 session (reference bot)', ...sequential },
          { name: '4 in flight, round-robin (Go peer)', ...window4 },
        ],
        conditions: quick ? [{ streams: 1, latencyMs: 0 }, { streams: 1, latencyMs: 50 }] : [{ streams: 1, latencyMs: 0 }, { streams: 8, latencyMs: 0 }, { streams: 1, latencyMs: 50 }, { streams: 8, latencyMs: 50 }],
      });
      return {
        tables: [{ ...table, caption: `${sessions} sessions (the sequential strategy uses one); ${table.caption}` }],
        figures: { sessions, runs: figures },
        missing,
        notes: ['The peers\' strategies run in bench/peers/strategy-server.ts: gramjs in one thread with the same IGE and CRC32 as StreamBot\'s sessions, so the fetch strategy is what differs.'],
      };
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      await world.stop();
    }
  },
};
