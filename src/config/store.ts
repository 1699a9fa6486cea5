// Where files' records live: SQLite under DATA_DIR, or MongoDB with DATABASE_URL. The connection string carries
// credentials: they are kept out of error messages and masked in the logged configuration (redactedDatabaseUrl).
import { createRequire } from 'node:module';
import { MongoClient } from 'mongodb';
import type { ConnectionString as ConnectionStringType } from 'mongodb-connection-string-url' with { 'resolution-mode': 'require' };
import { ConfigError } from './error.ts';
import { int, type Check, type Env } from './read.ts';

// The driver's own connection-string parser. Loaded as CommonJS: its package exports declare types only there.
const { ConnectionString } = createRequire(import.meta.url)('mongodb-connection-string-url') as { ConnectionString: typeof ConnectionStringType };

export const STORE_VARIABLES = ['DATA_DIR', 'DATABASE_URL', 'DATABASE_NAME', 'USAGE_FLUSH_MS'] as const;

export interface StoreSettings {
  /** Directory of the SQLite file, or ':memory:'. */
  dataDir: string;
  databaseUrl: string | null;
  databaseName: string | null;
  /** Interval of the bandwidth usage flush to the store. */
  usageFlushMs: number;
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

export function readStore(env: Env, check: Check): StoreSettings {
  const url = check(() => databaseUrl(env), null);
  return {
    dataDir: check(() => dataDir(env), './data'),
    databaseUrl: url,
    databaseName: check(() => databaseName(env, url), null),
    usageFlushMs: check(() => int(env, 'USAGE_FLUSH_MS', 2000, 100, 60000), 2000),
  };
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
