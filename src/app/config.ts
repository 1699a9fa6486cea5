// StreamBot's configuration from the environment. Every error names the variable and how to fix it; secrets
// (tokens, api hash, database credentials) are kept out of error messages and out of anything that gets logged
// (see redactedConfig). Checks that need I/O (addresses, directories, the sandbox) run at start in preflight.ts.
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { MongoClient } from 'mongodb';
import type { ConnectionString as ConnectionStringType } from 'mongodb-connection-string-url' with { 'resolution-mode': 'require' };

// The driver's own connection-string parser. Loaded as CommonJS: its package exports declare types only there.
const { ConnectionString } = createRequire(import.meta.url)('mongodb-connection-string-url') as { ConnectionString: typeof ConnectionStringType };

import { ConfigError } from './config-error.ts';
import { readBotSettings, type BotSettings } from './bot-config.ts';
import { readWebSettings, type WebSettings } from './web-config.ts';

export { ConfigError };

export interface AppConfig {
  /** Primary bot first, then ADDITIONAL_BOT_TOKENS / MULTI_TOKENn: one session worker each. */
  botTokens: string[];
  apiId: number;
  apiHash: string;
  /** Log channel as "-100<id>". */
  logChannel: string;
  /** BIND_ADDRESS: an IP address or a host name (resolved at start). */
  host: string;
  port: number;
  /** Base of the links handed to users, e.g. https://files.example.com */
  baseUrl: string;
  /** Directory of the SQLite file, or ':memory:'. */
  dataDir: string;
  databaseUrl: string | null;
  databaseName: string | null;
  /** Control URL of a sandbox DC (`npm run sandbox`); when set, sessions connect there instead of Telegram. */
  sandboxUrl: string | null;
  readAheadBlocks: number;
  /** Bytes all streams together may hold in flight (read-ahead), bounding memory. */
  readAheadMaxBytes: number;
  maxStreams: number;
  /** Concurrent streams one client IP may hold. */
  maxStreamsPerIp: number;
  idleTimeoutMs: number;
  /** Calls one session runs at once. */
  sessionSlots: number;
  /** A block with no progress from any session for this long fails. */
  stallTimeoutMs: number;
  /** A response whose first bytes are not ready after this long gets 503 + Retry-After. */
  headersTimeoutMs: number;
  /** /healthz answers 503 once no session has been ready for this long. */
  healthNoSessionMs: number;
  /** Interval of the bandwidth usage flush to the store. */
  usageFlushMs: number;
  /** Test-only: accept a bare log-channel message id as a link id. Never enable on a public instance. */
  allowMessageIds: boolean;
  logLevel: LogLevel;
  /** What the bot allows and refuses (bot-config.ts). */
  bot: BotSettings;
  /** Links, API and security (web-config.ts). */
  web: WebSettings;
  /** STREAM_ONLY: serve links without the bot's update handling (every instance but one, sharing the database). */
  streamOnly: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Record<string, string | undefined>;

/**
 * Decimal digits only: Number() would also take "0x5DFE", "1e3", " 80", "+80" and "80.0", none of which a person
 * means as a port or a count. An empty value means unset.
 */
function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, decimal digits only (got "${raw}")`);
  return n;
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

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
}

// RFC 1123 host names; a last label of digits only is a mistyped IPv4 address (256.1.1.1), not a name.
const HOST_NAME = /^(?=.{1,253}\.?$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*(?!\d+\.?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;

function bindAddress(env: Env): string {
  const raw = env.BIND_ADDRESS?.trim() || '0.0.0.0';
  if (isIP(raw) || HOST_NAME.test(raw)) return raw;
  throw new ConfigError(`BIND_ADDRESS must be an IP address of this machine (0.0.0.0 for all IPv4 interfaces, :: for all) or a host name, without brackets or port (got "${raw}")`);
}

function httpUrl(name: string, raw: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL like ${example} (got "${raw}")`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw new ConfigError(`${name} must be an http(s) URL like ${example} (got "${raw}")`);
  return url;
}

function baseUrl(env: Env, host: string, port: number): string {
  const raw = env.BASE_URL?.trim();
  if (!raw) {
    const linkHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : isIP(host) === 6 ? `[${host}]` : host;
    return `http://${linkHost}:${port}`;
  }
  const url = httpUrl('BASE_URL', raw, 'https://files.example.com');
  // Links are handed to users: credentials, a query or a fragment in them would be shared or break the path.
  if (url.username || url.password || url.search || url.hash) throw new ConfigError('BASE_URL must be a plain base like https://files.example.com or https://example.com/files, without user:password@, ?query or #fragment');
  return raw.replace(/\/+$/, '');
}

function sandboxUrl(env: Env): string | null {
  const raw = env.SANDBOX_URL?.trim();
  if (!raw) return null;
  httpUrl('SANDBOX_URL', raw, "http://127.0.0.1:21000 (the sandbox's control URL, printed by npm run sandbox)");
  return raw;
}

function dataDir(env: Env): string {
  const raw = env.DATA_DIR?.trim() || './data';
  if (raw.includes('\0')) throw new ConfigError('DATA_DIR must be a directory path (it contains a NUL character)');
  return raw;
}

// Query options that carry credentials (AWS session tokens, key file and proxy passwords).
const SECRET_OPTIONS = ['authmechanismproperties', 'tlscertificatekeyfilepassword', 'proxyusername', 'proxypassword'];

/** The user:password part of a connection string, however malformed (empty when it has none). */
function userInfo(raw: string): string {
  const rest = raw.replace(/^[^:]*:\/\//, '').split('?')[0]!;
  const at = rest.lastIndexOf('@');
  return at < 0 ? '' : rest.slice(0, at);
}

/**
 * Which reserved character a user name or password holds unencoded, if any. A second "@" before the query is one in
 * the password; the parsers would take part of the password for a host name.
 */
function unencodedUserInfo(raw: string): string | null {
  if ((raw.split('?')[0]!.match(/@/g) ?? []).length > 1) return '"@"';
  const info = userInfo(raw);
  return info.includes('/') || (info.match(/:/g) ?? []).length > 1 ? '"/" or ":"' : null;
}

/**
 * A parser's message about a connection string, or '' when it might quote a credential: some messages quote the
 * whole string, and any part of the user name, password or a credential option could show up in them.
 */
function parserDetail(message: string, raw: string): string {
  const text = message.split(raw).join('it');
  const options = [...new URLSearchParams(raw.split('?')[1] ?? '')].filter(([key]) => SECRET_OPTIONS.includes(key.toLowerCase()));
  const parts = [...userInfo(raw).split(/[:/@]/), ...options.flatMap(([, value]) => [value, ...value.split(/[:,]/)])].filter(Boolean);
  const secrets = parts.flatMap((p) => {
    try {
      return [p, decodeURIComponent(p)];
    } catch {
      return [p];
    }
  });
  return secrets.some((s) => text.includes(s)) ? '' : ` (${text})`;
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(:\d{1,5})?$/;

function databaseUrl(env: Env): string | null {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return null;
  const fix = 'use mongodb://user:password@host:27017/?authSource=admin or mongodb+srv://user:password@cluster.example.net, with reserved characters in the user name or password percent-encoded (@ as %40, / as %2F, : as %3A)';
  if (!/^mongodb(\+srv)?:\/\//.test(raw)) throw new ConfigError(`DATABASE_URL must start with mongodb:// or mongodb+srv://: ${fix}`);
  const unencoded = unencodedUserInfo(raw);
  if (unencoded) throw new ConfigError(`DATABASE_URL has an unencoded ${unencoded} in its user name or password: ${fix}`);
  let cs: ConnectionStringType;
  try {
    cs = new ConnectionString(raw);
    // The driver's own option parsing (ports, option names and values); constructing a client does not connect.
    new MongoClient(raw);
  } catch (err) {
    throw new ConfigError(`DATABASE_URL is not a valid connection string${parserDetail((err as Error).message, raw)}: ${fix}`);
  }
  for (const host of cs.hosts) {
    const port = Number(HOST.exec(host)?.[2]?.slice(1) ?? 27017);
    if (!HOST.test(host) || port < 1 || port > 65535) throw new ConfigError(`DATABASE_URL has a bad host "${host}" (host names, [IPv6] or IPv4 addresses with an optional :port from 1 to 65535): ${fix}`);
  }
  return raw;
}

// MongoDB's rules for database names (https://www.mongodb.com/docs/manual/reference/limits/#naming-restrictions).
function databaseName(env: Env, url: string | null): string | null {
  const raw = env.DATABASE_NAME?.trim();
  if (!raw) return url ? 'streambot' : null;
  if (/[/\\. "$*<>:|?\0]/.test(raw) || Buffer.byteLength(raw) > 63) throw new ConfigError(`DATABASE_NAME must be a MongoDB database name: at most 63 bytes, none of / \\ . " $ * < > : | ? or spaces (got "${raw}")`);
  return raw;
}

/** true/false as operators write them (the reference bot's style), or 1/0. */
function yesNo(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase() ?? '';
  if (raw === '' || raw === 'false' || raw === '0' || raw === 'no') return false;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be true or false (got "${env[name]}")`);
}

function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim() ?? '';
  if (raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new ConfigError(`${name} must be 1 (on) or 0 (off) (got "${env[name]}")`);
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
  const sandbox = check(() => sandboxUrl(env), null);
  const botTokens = tokens(env, (problem) => problems.push(problem));
  const apiId = check(() => int(env, 'API_ID', 0, 0, 2 ** 31 - 1), 0);
  const apiHash = (env.API_HASH ?? '').trim();
  const apiHashValid = /^[0-9a-f]{32}$/i.test(apiHash);
  if (!sandbox && !env.SANDBOX_URL?.trim() && (!apiId || !apiHashValid)) {
    problems.push('API_ID and API_HASH are required (from https://my.telegram.org): API_ID a number, API_HASH 32 hex characters');
  } else if (apiHash && !apiHashValid) {
    problems.push('API_HASH must be 32 hex characters (from https://my.telegram.org)');
  }
  const channel = check(() => logChannel(env), '');
  const port = check(() => int(env, 'PORT', 8080, 0, 65535), 8080);
  const host = check(() => bindAddress(env), '0.0.0.0');
  const links = check(() => baseUrl(env, host, port), '');
  const dbUrl = check(() => databaseUrl(env), null);
  const seconds = (name: string, fallback: number, min: number, max: number) => check(() => int(env, name, fallback, min, max), fallback) * 1000;
  const config: AppConfig = {
    botTokens,
    apiId: apiId || 1,
    apiHash: apiHash || 'sandbox',
    logChannel: channel,
    host,
    port,
    baseUrl: links,
    dataDir: check(() => dataDir(env), './data'),
    databaseUrl: dbUrl,
    databaseName: check(() => databaseName(env, dbUrl), null),
    sandboxUrl: sandbox,
    readAheadBlocks: check(() => int(env, 'READ_AHEAD_BLOCKS', 8, 1, 64), 8),
    readAheadMaxBytes: check(() => int(env, 'READ_AHEAD_MAX_MB', 256, 8, 65536), 256) * 1024 * 1024,
    maxStreams: check(() => int(env, 'MAX_STREAMS', 256, 1, 100000), 256),
    maxStreamsPerIp: check(() => int(env, 'MAX_STREAMS_PER_IP', 16, 1, 100000), 16),
    idleTimeoutMs: check(() => int(env, 'HTTP_IDLE_TIMEOUT_MS', 10000, 1000, 300000), 10000),
    sessionSlots: check(() => int(env, 'SESSION_SLOTS', 4, 1, 64), 4),
    stallTimeoutMs: seconds('STALL_TIMEOUT_SECONDS', 90, 5, 3600),
    headersTimeoutMs: seconds('HEADERS_TIMEOUT_SECONDS', 8, 1, 60),
    healthNoSessionMs: seconds('HEALTH_NO_SESSION_SECONDS', 60, 1, 3600),
    usageFlushMs: check(() => int(env, 'USAGE_FLUSH_MS', 2000, 100, 60000), 2000),
    allowMessageIds: check(() => flag(env, 'ALLOW_MESSAGE_IDS'), false),
    logLevel: check(() => logLevel(env), 'info'),
    bot: readBotSettings(env, check),
    web: readWebSettings(env, check),
    streamOnly: check(() => yesNo(env, 'STREAM_ONLY'), false),
  };
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return config;
}

/** A connection string with user name, password and credential-bearing options masked; '***' if it cannot be parsed. */
export function redactedDatabaseUrl(url: string): string {
  if (unencodedUserInfo(url)) return '***';
  let cs: ConnectionStringType;
  try {
    cs = new ConnectionString(url);
  } catch {
    return '***';
  }
  const auth = cs.username || cs.password ? '***:***@' : '';
  const params = new URLSearchParams();
  for (const [key, value] of cs.searchParams) params.append(key, SECRET_OPTIONS.includes(key.toLowerCase()) ? '***' : value);
  const query = params.size ? `?${params}` : '';
  return `${cs.protocol}//${auth}${cs.hosts.join(',')}${cs.pathname === '/' && !query ? '' : cs.pathname}${query}`;
}

/** An http(s) URL with user name and password masked; '***' if it cannot be parsed. */
export function redactedHttpUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '***';
    u.password = '***';
    return u.href;
  } catch {
    return '***';
  }
}

/** The configuration with secrets masked, safe to log. */
export function redactedConfig(c: AppConfig): Record<string, unknown> {
  return {
    ...c,
    botTokens: c.botTokens.map((t) => `${t.split(':')[0]}:***`),
    apiHash: '***',
    databaseUrl: c.databaseUrl ? redactedDatabaseUrl(c.databaseUrl) : null,
    sandboxUrl: c.sandboxUrl ? redactedHttpUrl(c.sandboxUrl) : null,
    baseUrl: redactedHttpUrl(c.baseUrl),
    web: { ...c.web, apiToken: c.web.apiToken ? '***' : null },
  };
}
