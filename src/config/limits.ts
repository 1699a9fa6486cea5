// What the bot allows and refuses (names as in the reference bot, so its users can bring their .env).
// Read by loadConfig, which reports every problem at once.
import { ConfigError } from './error.ts';
import type { Check, Env } from './read.ts';
import type { BotConfig } from '../bot/index.ts';

export const LIMITS_VARIABLES = ['ADMINS', 'FORCE_SUB_CHANNEL', 'MAX_LINKS_PER_DAY', 'BANDWIDTH_LIMIT_GB', 'USER_BANDWIDTH_LIMIT_GB', 'MAX_FILE_SIZE_MB', 'ALLOWED_MIME_TYPES', 'BLOCKED_MIME_TYPES', 'VIDEO_FRONTEND_URL'] as const;

/** The bot's settings (BotConfig in src/bot/types.ts) that come from the environment. */
export type BotSettings = Omit<BotConfig, 'logChannel' | 'baseUrl'>;

/** The reference bot's player, named in messages as an example. */
export const DEFAULT_VIDEO_FRONTEND_URL = 'https://cricster.pages.dev';
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const list = (raw: string | undefined): string[] => (raw ?? '').split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

function admins(env: Env): number[] {
  const ids = list(env.ADMINS);
  const bad = ids.filter((id) => !/^\d{1,15}$/.test(id) || Number(id) === 0);
  if (bad.length) throw new ConfigError(`ADMINS must be Telegram user ids (whole numbers) separated by spaces or commas (not ids: ${bad.map((b) => `"${b}"`).join(', ')})`);
  return [...new Set(ids.map(Number))];
}

function forceSubChannel(env: Env): string | null {
  const raw = env.FORCE_SUB_CHANNEL?.trim() ?? '';
  if (raw === '' || raw === '0') return null;
  if (/^-100\d{1,15}$/.test(raw)) return raw;
  if (/^\d{1,15}$/.test(raw)) return `-100${raw}`;
  throw new ConfigError(`FORCE_SUB_CHANNEL must be a channel id like -1001234567890, with the bot an admin there, or empty for none (got "${raw}")`);
}

function gigabytes(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return fallback * GIB;
  if (!/^\d{1,9}(\.\d{1,6})?$/.test(raw)) throw new ConfigError(`${name} must be a number of GB (1 GB = 1024³ bytes) such as 100 or 0.5, or 0 for no limit (got "${raw}")`);
  return Math.round(Number(raw) * GIB);
}

function count(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return fallback;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= max)) throw new ConfigError(`${name} must be a whole number from 0 to ${max}, 0 for no limit (got "${raw}")`);
  return n;
}

const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]{0,126})$/;

function mimeTypes(env: Env, name: string): string[] {
  const types = list(env[name]).map((t) => t.toLowerCase());
  const bad = types.filter((t) => !MIME.test(t));
  if (bad.length) throw new ConfigError(`${name} must list MIME types like video/mp4 or video/* separated by commas or spaces (not MIME types: ${bad.map((b) => `"${b}"`).join(', ')})`);
  return [...new Set(types)];
}

function videoFrontendUrl(env: Env): string | null {
  const raw = env.VIDEO_FRONTEND_URL?.trim() ?? '';
  if (raw === '' || raw.toLowerCase() === 'false') return null;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.hash) {
    throw new ConfigError(`VIDEO_FRONTEND_URL must be an http(s) URL of a player page like ${DEFAULT_VIDEO_FRONTEND_URL}, or false to leave the player link out (got "${raw}")`);
  }
  return raw;
}

/** Reads every bot setting; `check` collects a ConfigError and returns the fallback so all problems are listed. */
export function readBotSettings(env: Env, check: Check): BotSettings {
  return {
    admins: check(() => admins(env), []),
    forceSubChannel: check(() => forceSubChannel(env), null),
    maxLinksPerDay: check(() => count(env, 'MAX_LINKS_PER_DAY', 5, 1_000_000), 5),
    bandwidthLimitBytes: check(() => gigabytes(env, 'BANDWIDTH_LIMIT_GB', 100), 0),
    userBandwidthLimitBytes: check(() => gigabytes(env, 'USER_BANDWIDTH_LIMIT_GB', 0), 0),
    maxFileSizeBytes: check(() => count(env, 'MAX_FILE_SIZE_MB', 0, 1_000_000), 0) * MIB,
    allowedMimeTypes: check(() => mimeTypes(env, 'ALLOWED_MIME_TYPES'), []),
    blockedMimeTypes: check(() => mimeTypes(env, 'BLOCKED_MIME_TYPES'), []),
    videoFrontendUrl: check(() => videoFrontendUrl(env), null),
    // Unset: StreamBot's own player page; "false": no player link at all.
    playerPage: (env.VIDEO_FRONTEND_URL?.trim() ?? '') === '',
  };
}
