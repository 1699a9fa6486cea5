// Which bots, which API credentials and which log channel; or a sandbox DC instead of Telegram. Tokens and the API
// hash are secrets: errors name them, never quote them.
import { ConfigError } from './error.ts';
import { httpUrl, int, yesNo, type Check, type Env } from './read.ts';

/** MULTI_TOKEN<n> stands for MULTI_TOKEN1, MULTI_TOKEN2, … (any number). */
export const TELEGRAM_VARIABLES = ['BOT_TOKEN', 'ADDITIONAL_BOT_TOKENS', 'MULTI_TOKEN<n>', 'API_ID', 'API_HASH', 'LOG_CHANNEL', 'SANDBOX_URL', 'STREAM_ONLY'] as const;

export interface TelegramSettings {
  botTokens: string[];
  apiId: number;
  apiHash: string;
  logChannel: string;
  sandboxUrl: string | null;
  streamOnly: boolean;
}

const TOKEN = /^\d{3,20}:[A-Za-z0-9_-]{20,}$/;

/** Every token, each bad one reported on its own line (by name: a token is a secret even when malformed). */
function tokens(env: Env, report: (problem: string) => void): string[] {
  const list: string[] = [];
  const add = (name: string, value: string) => {
    const t = value.trim();
    if (!t) return;
    if (!TOKEN.test(t)) return report(`${name} is not a bot token (expected "<bot id>:<secret>" from @BotFather)`);
    if (!list.includes(t)) list.push(t);
  };
  if (!env.BOT_TOKEN?.trim()) report('BOT_TOKEN is required: the token of the main bot from @BotFather');
  else add('BOT_TOKEN', env.BOT_TOKEN);
  for (const [i, t] of (env.ADDITIONAL_BOT_TOKENS ?? '').split(',').entries()) add(`ADDITIONAL_BOT_TOKENS[${i}]`, t);
  const multi = Object.keys(env).filter((k) => /^MULTI_TOKEN\d+$/.test(k)).sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));
  for (const k of multi) add(k, env[k]!);
  return list;
}

function logChannel(env: Env): string {
  const raw = (env.LOG_CHANNEL ?? '').trim();
  if (!raw) throw new ConfigError('LOG_CHANNEL is required: the id of the channel that stores files, like -1001234567890 (add every bot as an admin)');
  if (/^-100\d+$/.test(raw)) return raw;
  if (/^\d+$/.test(raw)) return `-100${raw}`;
  throw new ConfigError(`LOG_CHANNEL must be a channel id like -1001234567890 (got "${raw}")`);
}

function sandboxUrl(env: Env): string | null {
  const raw = env.SANDBOX_URL?.trim();
  if (!raw) return null;
  httpUrl('SANDBOX_URL', raw, "http://127.0.0.1:21000 (the sandbox's control URL, printed by npm run sandbox)");
  return raw;
}

export function readTelegram(env: Env, check: Check, report: (problem: string) => void): TelegramSettings {
  const sandbox = check(() => sandboxUrl(env), null);
  const botTokens = tokens(env, report);
  const apiId = check(() => int(env, 'API_ID', 0, 0, 2 ** 31 - 1), 0);
  const apiHash = (env.API_HASH ?? '').trim();
  const apiHashValid = /^[0-9a-f]{32}$/i.test(apiHash);
  // A sandbox DC accepts any credentials; a bad SANDBOX_URL is reported on its own, not as missing credentials too.
  if (!sandbox && !env.SANDBOX_URL?.trim() && (!apiId || !apiHashValid)) {
    report('API_ID and API_HASH are required (from https://my.telegram.org): API_ID a number, API_HASH 32 hex characters');
  } else if (apiHash && !apiHashValid) {
    report('API_HASH must be 32 hex characters (from https://my.telegram.org)');
  }
  return {
    botTokens,
    apiId: apiId || 1,
    apiHash: apiHash || 'sandbox',
    logChannel: check(() => logChannel(env), ''),
    sandboxUrl: sandbox,
    streamOnly: check(() => yesNo(env, 'STREAM_ONLY'), false),
  };
}
