// StreamBot's configuration from the environment. Every error names the variable and how to fix it; secrets
// (tokens, api hash) are kept out of anything that gets logged (see redactedConfig).

export class ConfigError extends Error {
  readonly code = 'SB_ERR_CONFIG';
  override name = 'ConfigError';
}

export interface AppConfig {
  /** Primary bot first, then ADDITIONAL_BOT_TOKENS / MULTI_TOKENn: one session worker each. */
  botTokens: string[];
  apiId: number;
  apiHash: string;
  /** Log channel as "-100<id>". */
  logChannel: string;
  host: string;
  port: number;
  /** Base of the links handed to users, e.g. https://files.example.com */
  baseUrl: string;
  dataDir: string;
  databaseUrl: string | null;
  databaseName: string | null;
  /** Control URL of a sandbox DC (`npm run sandbox`); when set, sessions connect there instead of Telegram. */
  sandboxUrl: string | null;
  readAheadBlocks: number;
  /** Bytes all streams together may hold in flight (read-ahead), bounding memory. */
  readAheadMaxBytes: number;
  maxStreams: number;
  idleTimeoutMs: number;
  /** Test-only: accept a bare log-channel message id as a link id. Never enable on a public instance. */
  allowMessageIds: boolean;
  logLevel: string;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

const TOKEN = /^\d{3,20}:[A-Za-z0-9_-]{20,}$/;

function tokens(env: Env): string[] {
  const list: string[] = [];
  const add = (name: string, value: string) => {
    const t = value.trim();
    if (!t) return;
    if (!TOKEN.test(t)) throw new ConfigError(`${name} is not a bot token (expected "<bot id>:<secret>" from @BotFather)`);
    if (!list.includes(t)) list.push(t);
  };
  if (!env.BOT_TOKEN) throw new ConfigError('BOT_TOKEN is required: the token of the main bot from @BotFather');
  add('BOT_TOKEN', env.BOT_TOKEN);
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

export function loadConfig(env: Env = process.env): AppConfig {
  // Every problem is reported at once, so a first start does not turn into one fix per attempt.
  const problems: string[] = [];
  const check = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
      return fallback;
    }
  };
  const sandboxUrl = env.SANDBOX_URL?.trim() || null;
  if (sandboxUrl && !/^https?:\/\/[^/]+/.test(sandboxUrl)) problems.push(`SANDBOX_URL must be the sandbox's control URL, like http://127.0.0.1:21000 (got "${sandboxUrl}")`);
  const botTokens = check(() => tokens(env), []);
  const apiId = check(() => int(env, 'API_ID', 0, 0, 2 ** 31 - 1), 0);
  const apiHash = (env.API_HASH ?? '').trim();
  if (!sandboxUrl && (!apiId || !/^[0-9a-f]{32}$/i.test(apiHash))) {
    problems.push('API_ID and API_HASH are required (from https://my.telegram.org): API_ID a number, API_HASH 32 hex characters');
  }
  const channel = check(() => logChannel(env), '');
  const port = check(() => int(env, 'PORT', 8080, 0, 65535), 8080);
  const host = env.BIND_ADDRESS?.trim() || '0.0.0.0';
  const baseUrl = (env.BASE_URL?.trim() || `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(baseUrl)) problems.push(`BASE_URL must be an http(s) URL like https://files.example.com (got "${baseUrl}")`);
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  const databaseName = env.DATABASE_NAME?.trim() || (databaseUrl ? 'streambot' : null);
  const config: AppConfig = {
    botTokens,
    apiId: apiId || 1,
    apiHash: apiHash || 'sandbox',
    logChannel: channel,
    host,
    port,
    baseUrl,
    dataDir: env.DATA_DIR?.trim() || './data',
    databaseUrl,
    databaseName,
    sandboxUrl,
    readAheadBlocks: check(() => int(env, 'READ_AHEAD_BLOCKS', 8, 1, 64), 8),
    readAheadMaxBytes: check(() => int(env, 'READ_AHEAD_MAX_MB', 256, 8, 65536), 256) * 1024 * 1024,
    maxStreams: check(() => int(env, 'MAX_STREAMS', 256, 1, 100000), 256),
    idleTimeoutMs: check(() => int(env, 'HTTP_IDLE_TIMEOUT_MS', 10000, 1000, 10000), 10000),
    allowMessageIds: env.ALLOW_MESSAGE_IDS === '1',
    logLevel: env.LOG_LEVEL?.trim() || 'info',
  };
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return config;
}

/** The configuration with secrets masked, safe to log. */
export function redactedConfig(c: AppConfig): Record<string, unknown> {
  return { ...c, botTokens: c.botTokens.map((t) => `${t.split(':')[0]}:***`), apiHash: '***', databaseUrl: c.databaseUrl ? c.databaseUrl.replace(/\/\/[^@/]*@/, '//***@') : null };
}
