// 5. Bot and API latency: the time from a user's file message to the bot's reply with its links, and /api/info and
// link resolution (HEAD of a download link: id → stored file → headers) p50/p99, idle and under background downloads.
import { measureLoad } from '../lib/measure.ts';
import { runJsonProcess } from '../lib/processes.ts';
import { round, spread, MiB } from '../lib/stats.ts';
import { startWorld } from '../lib/world.ts';
import type { LoadResult } from '../loadgen/main.ts';
import type { Scenario } from '../lib/scenario.ts';

const URL_RE = /https?:\/\/[^\s"'<>]+\/dl\/[^\s"'<>]+/;

export const latency: Scenario = {
  name: 'latency',
  title: 'Bot and API latency',
  async run({ quick, log }) {
    const sessions = 2;
    const uploads = quick ? 3 : 20;
    const requests = quick ? 20 : 400;
    const downloads = quick ? 2 : 8;
    const world = await startWorld({ bots: sessions, files: Array.from({ length: downloads }, (_, i) => ({ name: `load${i}.bin`, size: 2048 * MiB })) });
    try {
      const sb = await world.streambot(sessions);
      const { control } = world.sandbox;
      const bot = world.bots[0]!;
      const links: string[] = [];
      let user = 0;
      /** One new user sends the bot a file; ms until a reply carrying a download link is there. */
      const upload = async (): Promise<number> => {
        const u = await control.createUser({ firstName: `viewer${user++}` });
        const t0 = performance.now();
        await control.userSendsFile(u.id, bot.id, { fileName: `clip${user}.mp4`, size: 3 * MiB, kind: 'video', video: { duration: 30, width: 640, height: 360 } });
        for (;;) {
          const msgs = await control.messagesFromBot(u.id, bot.id);
          const link = msgs.flatMap((m) => [...m.buttons.flat().flatMap((b) => (b.url ? [b.url] : [])), ...m.textUrls, m.text]).map((s) => URL_RE.exec(s)?.[0]).find(Boolean);
          if (link) {
            links.push(link);
            return performance.now() - t0;
          }
          if (performance.now() - t0 > 60_000) throw new Error(`no link from the bot within 60 s; it sent: ${JSON.stringify(msgs.map((m) => m.text))}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      };
      const rows = [];
      const figures = [];
      for (const load of [false, true]) {
        const name = load ? `${downloads} downloads running` : 'idle';
        log(name);
        const background = load
          ? runJsonProcess<LoadResult>('bench/loadgen/main.ts', { deadlineMs: 600_000, reads: world.files.map((f) => ({ url: `${sb.base}/dl/${f.messageId}` })) })
          : undefined;
        background?.result.catch(() => {});
        try {
          if (background) await new Promise((r) => setTimeout(r, quick ? 1000 : 3000));
          const replyMs: number[] = [];
          for (let i = 0; i < uploads; i++) replyMs.push(await upload());
          const api = await measureLoad({ serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox, spec: { deadlineMs: 120_000, concurrency: 4, reads: Array.from({ length: requests }, () => ({ url: `${sb.base}/api/info` })) } });
          const head = await measureLoad({ serverPid: sb.pid, serverDied: sb.died, sandbox: world.sandbox, spec: { deadlineMs: 120_000, concurrency: 4, reads: Array.from({ length: requests }, (_, i) => ({ url: links[i % links.length]!, method: 'HEAD' as const })) } });
          const okMs = (r: LoadResult, status: number) => r.results.filter((x) => x?.status === status && x.outcome !== 'error').map((x) => x!.totalMs);
          const reply = spread(replyMs);
          const info = spread(okMs(api.load, 200));
          const resolve = spread(okMs(head.load, 200));
          figures.push({ name, replyMs: reply, apiInfoMs: info, linkHeadMs: resolve });
          rows.push([name, reply.p50, reply.p99, info.p50, info.p99, resolve.p50, resolve.p99, `${info.n + resolve.n}/${2 * requests}`]);
        } finally {
          await background?.stop();
        }
      }
      const missing = figures.flatMap((f) => (f.apiInfoMs.n < requests || f.linkHeadMs.n < requests ? [`${f.name}: ${2 * requests - f.apiInfoMs.n - f.linkHeadMs.n} API requests failed`] : []));
      return {
        tables: [{
          caption: `${sessions} sessions; ${uploads} uploads from new users one after another; ${requests} requests of each kind, 4 at a time, each on a new connection`,
          columns: ['condition', 'bot reply p50 ms', 'bot reply p99', '/api/info p50 ms', '/api/info p99', 'link HEAD p50 ms', 'link HEAD p99', 'requests answered'],
          rows,
        }],
        figures: { uploads, requests, conditions: figures },
        missing,
        notes: ['Bot reply: from the user\'s message (a 3 MiB video) to a reply with a download link, as the sandbox records them (polled every 10 ms); it includes copying the file to the log channel. The sandbox applies Telegram\'s bot send limits.'],
      };
    } finally {
      await world.stop();
    }
  },
};
