// GET /api/info (public: what a status page shows), GET /api/stats and GET /api/sessions (operators).
import { isStoreError, type MonthlyUsage } from '../store/index.ts';
import type { ApiContext } from './context.ts';
import { humanUptime, presentSession, sessionSummary } from './present.ts';

const GIB = 1024 ** 3;
const gib = (bytes: number): number => Math.round((bytes / GIB) * 1000) / 1000;

function bandwidthInfo(usage: MonthlyUsage, limitBytes: number) {
  return {
    limit_enabled: limitBytes > 0,
    limit_bytes: limitBytes > 0 ? limitBytes : null,
    limit_gb: limitBytes > 0 ? gib(limitBytes) : null,
    used_bytes: usage.bytes,
    used_gb: gib(usage.bytes),
    remaining_gb: limitBytes > 0 ? gib(Math.max(0, limitBytes - usage.bytes)) : null,
    month: usage.month,
  };
}

/** A store read for /api/info: a failure leaves a gap in the page rather than failing it. */
async function tryRead<T>(ctx: ApiContext, what: string, read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (err) {
    if (!isStoreError(err)) throw err;
    ctx.logger.warn({ err, what }, 'API info: a store read failed; the answer leaves it out');
    return null;
  }
}

export async function info(ctx: ApiContext) {
  const now = ctx.now();
  const f = ctx.features;
  const bot = ctx.bot();
  const sessions = ctx.sessions();
  const [users, usage] = await Promise.all([
    tryRead(ctx, 'users', () => ctx.store.countUsers()),
    tryRead(ctx, 'bandwidth', () => ctx.store.getMonthlyUsage()),
  ]);
  const expiry = f.linkExpirySeconds ?? 0;
  const body = {
    status: bot ? 'ok' : 'error',
    bot_status: bot ? 'connected' : 'disconnected',
    ...(bot ? {} : { message: 'The bot is not connected to Telegram right now.' }),
    bot_info: bot ? { id: bot.id, username: bot.username, mention: `@${bot.username}` } : null,
    features: {
      force_subscribe: f.forceSubscribe ?? false,
      link_expiry_enabled: expiry > 0,
      link_expiry_duration_seconds: expiry,
      link_expiry_duration_human: expiry > 0 ? humanUptime(expiry * 1000) : null,
      max_links_per_day: f.maxLinksPerDay ?? null,
      max_file_size_bytes: f.maxFileSizeBytes ? f.maxFileSizeBytes : null,
      user_bandwidth_limit_bytes: f.userBandwidthLimitBytes ? f.userBandwidthLimitBytes : null,
      video_player: f.videoPlayer ?? false,
    },
    bandwidth_info: usage
      ? bandwidthInfo(usage, f.bandwidthLimitBytes ?? 0)
      : { limit_enabled: (f.bandwidthLimitBytes ?? 0) > 0, error: 'bandwidth usage is not available right now' },
    streaming: {
      active_streams: ctx.activeStreams(),
      sessions_total: sessions.length,
      sessions_ready: sessions.filter((s) => s.state === 'ready').length,
    },
    uptime: humanUptime(now - ctx.startedAt),
    uptime_seconds: Math.max(0, Math.floor((now - ctx.startedAt) / 1000)),
    server_time_utc: new Date(now).toISOString(),
    totaluser: users,
  };
  // As a status page expects: 503 while the bot is away, so monitors alert on the status alone.
  return { status: bot ? 200 : 503, body };
}

export async function stats(ctx: ApiContext) {
  const [users, banned, unreachable, files, usage] = await Promise.all([
    ctx.store.countUsers(),
    ctx.store.countUsers({ banned: true }),
    ctx.store.countUsers({ unreachable: true }),
    ctx.store.countFiles(),
    ctx.store.getMonthlyUsage(),
  ]);
  const sessions = ctx.sessions();
  return {
    users,
    banned_users: banned,
    unreachable_users: unreachable,
    files,
    bandwidth_this_month: { month: usage.month, bytes: usage.bytes, limit_bytes: ctx.features.bandwidthLimitBytes || null },
    active_streams: ctx.activeStreams(),
    sessions: sessionSummary(sessions),
    store: { backend: ctx.store.backend, degraded: ctx.store.health().degraded },
    uptime_seconds: Math.max(0, Math.floor((ctx.now() - ctx.startedAt) / 1000)),
    jobs: ctx.jobs().map((j) => ({
      name: j.name,
      every_ms: j.everyMs,
      running: j.running,
      runs: j.runs,
      failures: j.failures,
      last_run_at: j.lastRunAt,
      last_duration_ms: j.lastDurationMs,
      // Results are plain counts (rows swept); anything else is shown as its JSON form, never as an object graph.
      last_result: j.lastResult === undefined ? null : JSON.parse(JSON.stringify(j.lastResult) ?? 'null'),
      last_error: j.lastError ? { message: j.lastError.message, ...(j.lastError.code ? { code: j.lastError.code } : {}) } : null,
      next_run_at: j.nextRunAt,
    })),
  };
}

export function sessions(ctx: ApiContext) {
  const now = ctx.now();
  const list = ctx.sessions();
  return { summary: sessionSummary(list), sessions: list.map((s) => presentSession(s, now)) };
}
