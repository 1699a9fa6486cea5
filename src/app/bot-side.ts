// Wires the chat side (src/bot) to the primary session: its updates in order, its calls through the supervisor,
// the update state kept in the store so a restart fetches what was missed, and bandwidth quotas for the HTTP side.
import type { Logger } from 'pino';
import { createBandwidthQuota, createBot, type Bot, type BandwidthQuota, type RecentLogs } from '../bot/index.ts';
import type { Store } from '../store/index.ts';
import type { Supervisor } from '../../actors/supervisor/index.ts';
import type { BotApi, BotUpdate, SessionEvent, UpdatesState } from '../../actors/session/protocol.ts';
import type { FileRefusal } from '../streaming/types.ts';
import type { AppConfig } from '../config/index.ts';

/** The primary bot is session 0: the one users talk to. */
const PRIMARY = 0;
const stateKey = (token: string) => `updates-state:${token.split(':')[0]}`;

/** Where the last run stopped reading updates, for the primary session's spec. */
export async function savedUpdatesState(store: Store, config: AppConfig): Promise<UpdatesState | undefined> {
  const saved = await store.getSetting<{ pts: number; qts: number; date: number; seq: number }>(stateKey(config.botTokens[0]!));
  return saved && typeof saved.pts === 'number' ? saved : undefined;
}

/**
 * Listens to the primary session before it is ready (updates may come as soon as it logs in) and holds updates
 * until the bot is attached.
 */
export function listenForUpdates(supervisor: Supervisor, store: Store, config: AppConfig, logger: Logger) {
  const held: BotUpdate[] = [];
  let bot: Bot | undefined;
  const onEvent = ({ index, event }: { index: number; event: unknown }) => {
    if (index !== PRIMARY) return;
    const e = event as SessionEvent;
    if (e.type === 'update') {
      if (bot) bot.handle(e.update);
      else if (held.length < 10_000) held.push(e.update);
    } else if (e.type === 'updates-state') {
      store.setSetting(stateKey(config.botTokens[0]!), { ...e.state }).catch((err) => logger.warn({ err }, 'could not save the update state'));
    }
  };
  supervisor.on('event', onEvent);
  return {
    attach(b: Bot) {
      bot = b;
      for (const u of held.splice(0)) b.handle(u);
    },
    detach() {
      supervisor.off('event', onEvent);
      bot = undefined;
    },
  };
}

/** BotApi calls made on the primary session. */
export function primaryBotApi(supervisor: Supervisor): BotApi {
  return new Proxy({} as BotApi, {
    get: (_, method) => (...args: unknown[]) => (supervisor.callBot as (i: number, m: string, ...a: unknown[]) => Promise<unknown>)(PRIMARY, method as string, ...args),
  });
}

export interface BotSideOptions {
  config: AppConfig;
  store: Store;
  supervisor: Supervisor;
  logger: Logger;
  logs: RecentLogs;
  activeStreams: () => number;
  /** Origin of the links handed out (the configured BASE_URL, with the port actually bound when PORT was 0). */
  baseUrl: string;
  now?: () => number;
}

/** Resolves once the primary session is ready (the bot's calls go there), or after `timeoutMs` regardless. */
function primaryReady(supervisor: Supervisor, timeoutMs: number): Promise<void> {
  if (supervisor.states()[PRIMARY]?.state === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      supervisor.off('state', onState);
      resolve();
    };
    const onState = () => {
      if (supervisor.states()[PRIMARY]?.state === 'ready') done();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    supervisor.on('state', onState);
  });
}

export async function startBot(o: BotSideOptions): Promise<Bot> {
  // The supervisor is ready once any session is; the bot needs its own.
  await primaryReady(o.supervisor, 30_000);
  const primary = o.supervisor.states()[PRIMARY];
  const bot = createBot({
    telegram: primaryBotApi(o.supervisor),
    store: o.store,
    config: { ...o.config.bot, logChannel: o.config.logChannel, baseUrl: o.baseUrl, linkExpirySeconds: o.config.web.linkExpirySeconds },
    me: { id: primary?.botId ?? '', username: primary?.username ?? '' },
    status: () => ({
      activeStreams: o.activeStreams(),
      sessions: o.supervisor.states().map((s) => ({ index: s.index, state: s.state, username: s.username, detail: s.lastError?.code ?? s.lastError?.message })),
    }),
    logs: o.logs,
    now: o.now,
    logger: o.logger,
  });
  // A menu that could not be set is cosmetic: the bot still answers.
  await bot.start().catch((err) => o.logger.warn({ err }, 'could not set the bot command menu'));
  return bot;
}

/** HTTP-side quota: new responses of a user's files stop when the month's bandwidth is used up. */
export function quotaAdmission(quota: BandwidthQuota, now: () => number = Date.now) {
  return async (owner: number): Promise<FileRefusal | null> => {
    const verdict = await quota.check(owner);
    if (verdict.ok) return null;
    const retryAfterS = Math.max(1, Math.ceil((verdict.resetsAt.getTime() - now()) / 1000));
    const when = verdict.resetsAt.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
    return verdict.scope === 'global'
      ? { refused: { status: 503, title: 'Monthly bandwidth used up', message: `This service has used its bandwidth for this month. Downloads resume on ${when}.`, retryAfterS } }
      : { refused: { status: 429, title: 'Monthly bandwidth used up', message: `The person who shared this file has used their bandwidth for this month. Downloads resume on ${when}.`, retryAfterS } };
  };
}

export { createBandwidthQuota };
