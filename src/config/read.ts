// Value readers shared by the area modules. Each throws a ConfigError naming the variable; loadConfig's `check`
// collects it and carries on with the fallback, so every problem is listed at once.
import { ConfigError } from './error.ts';

export type Env = Record<string, string | undefined>;

/** Runs one reader; a ConfigError is collected and `fallback` stands in for the value. */
export type Check = <T>(read: () => T, fallback: T) => T;

/**
 * Decimal digits only: Number() would also take "0x5DFE", "1e3", " 80", "+80" and "80.0", none of which a person
 * means as a port or a count. An empty value means unset.
 */
export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, decimal digits only (got "${raw}")`);
  return n;
}

/** true/false as operators write them (the reference bot's style), or 1/0. */
export function yesNo(env: Env, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase() ?? '';
  if (raw === '' || raw === 'false' || raw === '0' || raw === 'no') return false;
  if (raw === 'true' || raw === '1' || raw === 'yes') return true;
  throw new ConfigError(`${name} must be true or false (got "${env[name]}")`);
}

export function flag(env: Env, name: string): boolean {
  const raw = env[name]?.trim() ?? '';
  if (raw === '' || raw === '0') return false;
  if (raw === '1') return true;
  throw new ConfigError(`${name} must be 1 (on) or 0 (off) (got "${env[name]}")`);
}

export function httpUrl(name: string, raw: string, example: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL like ${example} (got "${raw}")`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) throw new ConfigError(`${name} must be an http(s) URL like ${example} (got "${raw}")`);
  return url;
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
