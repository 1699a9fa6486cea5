// Assembles StreamBot: store, session actors under the supervisor, and the HTTP range server.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createLogger } from '../log/index.ts';
import { openStore, type Store } from '../store/index.ts';
import { createSupervisor, type Supervisor } from '../../actors/supervisor/index.ts';
import { createHttpServer, type HttpServer } from '../http/index.ts';
import { LogChannelSource, readAheadFor } from './file-source.ts';
import { startUsageAccounting } from './usage-accounting.ts';
import { checkLogChannel } from './log-channel-check.ts';
import { configureReadAhead } from '../streaming/index.ts';
import { RecentLogs, type Bot } from '../bot/index.ts';
import { createBandwidthQuota, listenForUpdates, quotaAdmission, savedUpdatesState, startBot } from './bot-side.ts';
import { createWebSide } from './web-side.ts';
import { freePort } from './free-port.ts';
import { createCleanupScheduler, STORE_SWEEP_EVERY_MS, type CleanupScheduler } from './cleanup-jobs.ts';
import { startMemoryWatch, type MemoryWatch } from './memory-watch.ts';
import { closeInOrder, drainThenClose, DEFAULT_SHUTDOWN_GRACE_MS, type ShutdownOptions, type ShutdownReport } from './shutdown.ts';
import type { AppConfig } from '../config/index.ts';
import type { SandboxEndpoint } from '../sandbox/client.ts';
import type { SessionEvent, TelegramSessionSpec } from '../../actors/session/protocol.ts';

// The session worker in the same form as this module: worker.js beside the compiled app (dist/), worker.ts from the
// sources, so a compiled app never starts a worker that needs a TypeScript loader.
const SESSION_WORKER = fileURLToPath(new URL(`../../actors/session/worker${extname(import.meta.url)}`, import.meta.url));

export interface App {
  config: AppConfig;
  store: Store;
  supervisor: Supervisor;
  http: HttpServer;
  logger: Logger;
  /** The chat side; absent when started with `bot: false`. */
  bot?: Bot;
  /** Recent log lines for the /logs admin command (when the app made its own logger). */
  logs: RecentLogs;
  /** Periodic housekeeping (the store's sweep of expired rows); report() is what /api/stats shows. */
  jobs: CleanupScheduler;
  /** Present when started with memoryLimitBytes. */
  memory?: MemoryWatch;
  /** Graceful: drains the HTTP server (new file requests 503, /readyz 503) while live streams may finish for
   *  graceMs, then closes as close() does. Idempotent: later calls get the first one's promise. */
  shutdown(opts?: ShutdownOptions): Promise<ShutdownReport>;
  /** At once: streams in flight are cut, then the bot, workers and store are closed. */
  close(): Promise<void>;
}

async function sandboxEndpoint(url: string): Promise<SandboxEndpoint> {
  const res = await fetch(`${url.replace(/\/+$/, '')}/info`);
  if (!res.ok) throw new Error(`sandbox at ${url} answered ${res.status}`);
  return ((await res.json()) as { result: SandboxEndpoint }).result;
}

const sessionKey = (token: string) => `bot:${token.split(':')[0]}`;

export interface StartOptions {
  logger?: Logger;
  sandbox?: SandboxEndpoint;
  supervisor?: { heartbeatMs?: number; restart?: { baseMs?: number; maxMs?: number; failedBaseMs?: number; failedMaxMs?: number } };
  /** Session worker entry; tests wrap the real one to inject faults. */
  workerEntry?: string;
  /** Extra workerData fields for every session (the fault switches of a test worker). */
  sessionSpecExtra?: Record<string, unknown>;
  /** Run the chat side (default true). Tests of the sessions alone turn it off so nothing else answers users. */
  bot?: boolean;
  /** Clock of the store and the bot (limits, quotas, months); tests move it. */
  now?: () => number;
  /** Where /logs reads recent lines; pass the one a given logger writes to. */
  recentLogs?: RecentLogs;
  /** MEMORY_LIMIT_MB in bytes: the read-ahead budget is lowered near it. Default: no watch. */
  memoryLimitBytes?: number | null;
}

export async function startApp(config: AppConfig, opts: StartOptions = {}): Promise<App> {
  const logs = opts.recentLogs ?? new RecentLogs();
  const logger = opts.logger ?? createLogger({ level: config.logLevel, pretty: config.logPretty ?? undefined, recent: logs });
  const store = await openStore({ databaseUrl: config.databaseUrl, databaseName: config.databaseName, dataDir: config.dataDir, flushIntervalMs: config.usageFlushMs, now: opts.now, logger: logger.child({ component: 'store' }), sweepIntervalMs: 0 });
  // The sweep runs as a cleanup job (instead of the store's own timer) so its last run shows in /api/stats.
  const jobs = createCleanupScheduler({ logger: logger.child({ component: 'jobs' }) });
  jobs.register({ name: 'store.sweepExpired', everyMs: STORE_SWEEP_EVERY_MS, run: () => store.sweepExpired() });
  const sandbox = opts.sandbox ?? (config.sandboxUrl ? await sandboxEndpoint(config.sandboxUrl) : undefined);
  // One instance handles the bot's updates; the others (STREAM_ONLY) only serve links from the shared database.
  const withBot = opts.bot !== false && !config.streamOnly;
  const specs: TelegramSessionSpec[] = [];
  for (const [i, botToken] of config.botTokens.entries()) {
    specs.push({ botToken, apiId: config.apiId, apiHash: config.apiHash, session: (await store.getSession(sessionKey(botToken))) ?? undefined, sandbox, receiveUpdates: i === 0 && !config.streamOnly, ...opts.sessionSpecExtra });
  }
  if (withBot) specs[0]!.updatesState = await savedUpdatesState(store, config);
  const supervisor = createSupervisor<TelegramSessionSpec>({
    workerEntry: opts.workerEntry ?? SESSION_WORKER,
    sessions: specs,
    logger: logger.child({ component: 'supervisor' }),
    heartbeatMs: opts.supervisor?.heartbeatMs,
    restart: opts.supervisor?.restart,
    inFlightPerSession: config.sessionSlots,
    stallTimeoutMs: config.stallTimeoutMs,
  });
  supervisor.on('event', ({ index, event }) => {
    const e = event as SessionEvent;
    if (e.type === 'session') {
      // Saved so a restart (of the worker or the process) reuses the authorization instead of logging in again.
      specs[index]!.session = e.session;
      store.saveSession(sessionKey(specs[index]!.botToken), e.session).catch((err) => logger.error({ err, session: index }, 'could not save session'));
    }
  });
  const updates = withBot ? listenForUpdates(supervisor, store, config, logger.child({ component: 'bot' })) : undefined;
  try {
    await supervisor.ready();
    await checkLogChannel(supervisor, config.logChannel);
  } catch (err) {
    updates?.detach();
    await jobs.stop();
    await supervisor.stop();
    await store.close();
    throw err;
  }
  configureReadAhead({ maxInFlightBytes: config.readAheadMaxBytes, cacheBytes: config.blockCacheBytes });
  const memory = opts.memoryLimitBytes ? startMemoryWatch({ limitBytes: opts.memoryLimitBytes, normalBudgetBytes: config.readAheadMaxBytes, logger: logger.child({ component: 'memory' }) }) : undefined;
  // PORT=0 picks a free port now: links handed out (bot, API, watch page) must name the port the server gets.
  const port = config.port === 0 ? await freePort(config.host) : config.port;
  const baseUrl = config.port === 0 ? config.baseUrl.replace(/:0$/, `:${port}`) : config.baseUrl;
  let http: HttpServer | undefined;
  const web = createWebSide({ config, baseUrl, store, supervisor, http: () => http!.stats(), jobs: () => jobs.report(), logger: logger.child({ component: 'web' }), now: opts.now });
  const quota = createBandwidthQuota({ store, globalLimitBytes: config.bot.bandwidthLimitBytes, userLimitBytes: config.bot.userBandwidthLimitBytes, now: opts.now });
  const source = new LogChannelSource({ supervisor: web.supervisor, store: web.store, logChannel: config.logChannel, allowMessageIds: config.allowMessageIds, admit: quotaAdmission(quota, opts.now), viewers: web.viewers, readAhead: readAheadFor(config) });
  // Bytes are charged as they leave, block by block, so usage moves during a long stream and a crash loses at most
  // one flush interval of it.
  const stopUsage = startUsageAccounting({ store, source, logger: logger.child({ component: 'usage' }) });
  try {
    http = await createHttpServer({
      source,
      host: config.host,
      port,
      maxStreams: config.maxStreams,
      maxStreamsPerIp: config.maxStreamsPerIp,
      headersTimeoutMs: config.headersTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
      // Unhealthy once no session could serve for a while, so a process manager restarts what cannot heal itself.
      health: () => {
        const h = supervisor.health(config.healthNoSessionMs);
        return { ok: h.ok, detail: { sessions: h.sessions, healthy: h.healthy, lastHealthyAt: new Date(h.lastHealthyAt).toISOString() } };
      },
      // Ready for traffic: the store answers and a session can serve now.
      ready: () => {
        const h = supervisor.health(config.healthNoSessionMs);
        const sessionReady = supervisor.states().some((s) => s.state === 'ready');
        const degraded = store.health().degraded;
        return { ok: sessionReady && !degraded, detail: { sessionReady, storeDegraded: degraded, sessions: h.sessions } };
      },
      routes: web.routes(source),
      policy: web.policy,
      logger: logger.child({ component: 'http' }),
    });
  } catch (err) {
    await web.close();
    stopUsage();
    memory?.stop();
    await jobs.stop();
    await supervisor.stop();
    await store.close();
    throw err;
  }
  let bot: Bot | undefined;
  if (updates) {
    bot = await startBot({ config, store, supervisor, logger: logger.child({ component: 'bot' }), logs, baseUrl, activeStreams: () => http!.stats().activeStreams, now: opts.now });
    updates.attach(bot);
  }
  logger.info({ port: http.port, baseUrl, sessions: specs.length, sandbox: Boolean(sandbox), bot: Boolean(bot) }, 'StreamBot is serving');
  const server = http;
  // Streams are cut first (nothing new can start), then the chat side stops taking updates, the workers stop, and
  // the counters are written before the store closes.
  let closing: Promise<string[]> | undefined;
  const closeAll = () => (closing ??= closeInOrder([
    ['http', () => server.close()],
    ['bot', async () => { updates?.detach(); await bot?.stop(); }],
    ['web', () => web.close()],
    ['usage', () => stopUsage()],
    ['jobs', () => { memory?.stop(); return jobs.stop(); }],
    ['supervisor', () => supervisor.stop()],
    ['store.flush', () => store.flush()],
    ['store.close', () => store.close()],
  ], logger));
  let shuttingDown: Promise<ShutdownReport> | undefined;
  return {
    config, store, supervisor, http, logger, bot, logs, jobs, memory,
    shutdown: (o = {}) => (shuttingDown ??= drainThenClose({ http: server, graceMs: o.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS, close: closeAll, logger })),
    close: async () => {
      await closeAll();
    },
  };
}
