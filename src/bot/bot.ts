// createBot: the chat side of StreamBot, built from the pieces in this folder.

import { createBandwidthQuota } from './bandwidth-quota.ts';
import { realClock, type BotClock } from './clock.ts';
import { banCommands, logsCommand, revokeCommand, statsCommand } from './commands/admin.ts';
import { broadcastCommand } from './commands/broadcast.ts';
import type { Command } from './commands/command.ts';
import { myFilesCommand } from './commands/my-files.ts';
import { aboutCommand, helpCommand, startCommand } from './commands/start.ts';
import { errorSummary, type BotServices } from './context.ts';
import { DailyLinks } from './limits/daily-links.ts';
import { ForceSubscribe } from './limits/force-subscribe.ts';
import { Outbox } from './outbox.ts';
import { Router } from './router.ts';
import type { Bot, BotDeps } from './types.ts';

const COMMANDS: Command[] = [startCommand, helpCommand, aboutCommand, myFilesCommand, statsCommand, ...banCommands, revokeCommand, logsCommand, broadcastCommand];

/** The menu users see; admin commands stay out of it. */
const MENU = [
  { command: 'start', description: 'What this bot does' },
  { command: 'myfiles', description: 'Your files and their links' },
  { command: 'help', description: 'How to use the bot' },
  { command: 'about', description: 'About StreamBot' },
];

/** How long stop() waits for work in progress. */
const STOP_GRACE_MS = 10_000;

export function createBot(deps: BotDeps): Bot {
  const clock: BotClock = deps.sleep ? { now: deps.now ?? Date.now, sleep: deps.sleep } : realClock(deps.now);
  const { config, logger } = deps;
  const background = new Set<Promise<unknown>>();
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  const s: BotServices = {
    telegram: deps.telegram,
    store: deps.store,
    config,
    me: deps.me,
    status: deps.status,
    logs: deps.logs,
    logger,
    clock,
    outbox: new Outbox({ telegram: deps.telegram, clock, logger }),
    forceSub: config.forceSubChannel ? new ForceSubscribe({ channel: config.forceSubChannel, telegram: deps.telegram, clock, logger }) : null,
    dailyLinks: new DailyLinks(deps.store, config.maxLinksPerDay),
    quota: createBandwidthQuota({ store: deps.store, globalLimitBytes: config.bandwidthLimitBytes, userLimitBytes: config.userBandwidthLimitBytes, now: clock.now, cacheMs: 0 }),
    track(work) {
      const p = work.catch((err: unknown) => logger.error({ err: errorSummary(err) }, 'background work failed')).finally(() => background.delete(p));
      background.add(p);
    },
    stopping: () => state === 'stopping' || state === 'stopped',
  };
  const router = new Router(s, COMMANDS);

  async function idle(): Promise<void> {
    // New work can be queued by the work being waited for (an album's reply, a broadcast's sends): loop until quiet.
    for (;;) {
      const pending = [...router.pending(), ...background];
      if (pending.length === 0) {
        await s.outbox.idle();
        if (router.pending().length === 0 && background.size === 0) return;
        continue;
      }
      await Promise.allSettled(pending);
    }
  }

  return {
    async start() {
      if (state !== 'new') throw new Error(`bot.start() called twice (state: ${state})`);
      state = 'running';
      try {
        await deps.telegram.setCommands(MENU);
      } catch (err) {
        logger.warn({ err: errorSummary(err) }, 'could not set the command menu');
      }
      await s.forceSub?.start();
    },
    handle(update) {
      if (state === 'stopping' || state === 'stopped') return;
      try {
        router.route(update);
      } catch (err) {
        logger.error({ err: errorSummary(err) }, 'an update could not be routed');
      }
    },
    idle,
    async stop() {
      if (state === 'stopped') return;
      state = 'stopping';
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, STOP_GRACE_MS);
        timer.unref();
      });
      await Promise.race([idle(), grace]);
      clearTimeout(timer);
      state = 'stopped';
    },
  };
}
