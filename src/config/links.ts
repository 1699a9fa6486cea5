// What the web side allows (links, API, security) from the environment; read by loadConfig, which reports every
// problem at once. API_TOKEN is a secret: it is never quoted in an error and masked in the logged configuration.
import { parseCidrList, parseOrigins, type CidrList } from '../security/index.ts';
import { ConfigError } from './error.ts';
import type { Check, Env } from './read.ts';

export const LINKS_VARIABLES = ['LINK_EXPIRY_SECONDS', 'API_TOKEN', 'API_ALLOWED_IPS', 'TRUSTED_PROXIES', 'CORS_ALLOWED_ORIGINS', 'RATE_LIMIT_PER_MINUTE', 'MAX_STREAMS_PER_USER', 'MAX_STREAMS_PER_LINK'] as const;

export interface WebSettings {
  /** LINK_EXPIRY_SECONDS: a new link works this long; 0 = never expires. */
  linkExpirySeconds: number;
  /** API_TOKEN: Bearer token of the protected API; null leaves it closed. */
  apiToken: string | null;
  /** API_ALLOWED_IPS: client addresses the protected API answers (CIDR list); null = any. */
  apiAllowedIps: CidrList | null;
  /** TRUSTED_PROXIES: peers whose X-Forwarded-For is believed. */
  trustedProxies: CidrList | null;
  /** CORS_ALLOWED_ORIGINS: exact origins allowed cross-origin requests. */
  corsAllowedOrigins: string[];
  /** RATE_LIMIT_PER_MINUTE: download and stream requests per client IP per minute; 0 = off. */
  rateLimitPerMinute: number;
  /** MAX_STREAMS_PER_USER: concurrent viewers of one owner's files; 0 = off. */
  maxStreamsPerUser: number;
  /** MAX_STREAMS_PER_LINK: concurrent viewers of one link; 0 = off. */
  maxStreamsPerLink: number;
}

function count(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return fallback;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 0 && n <= max)) throw new ConfigError(`${name} must be a whole number from 0 to ${max}, decimal digits only (got "${raw}")`);
  return n;
}

function cidrs(env: Env, name: string): CidrList | null {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') return null;
  try {
    return parseCidrList(raw);
  } catch (err) {
    throw new ConfigError(`${name} must list IP addresses or CIDR ranges like 10.0.0.0/8, 2001:db8::/32, separated by commas (${(err as Error).message})`);
  }
}

function apiToken(env: Env): string | null {
  const raw = env.API_TOKEN?.trim() ?? '';
  if (raw === '') return null;
  if (raw.length < 24 || !/^[\x21-\x7e]+$/.test(raw)) throw new ConfigError('API_TOKEN must be at least 24 printable characters without spaces (e.g. from `openssl rand -hex 32`)');
  return raw;
}

function origins(env: Env): string[] {
  const raw = env.CORS_ALLOWED_ORIGINS?.trim() ?? '';
  if (raw === '') return [];
  try {
    return [...parseOrigins(raw.split(/[\s,]+/))];
  } catch (err) {
    throw new ConfigError(`CORS_ALLOWED_ORIGINS must list exact origins like https://player.example.org, separated by commas (${(err as Error).message})`);
  }
}

export function readWebSettings(env: Env, check: Check): WebSettings {
  return {
    linkExpirySeconds: check(() => count(env, 'LINK_EXPIRY_SECONDS', 86400, 10 * 365 * 86400), 86400),
    apiToken: check(() => apiToken(env), null),
    apiAllowedIps: check(() => cidrs(env, 'API_ALLOWED_IPS'), null),
    trustedProxies: check(() => cidrs(env, 'TRUSTED_PROXIES'), null),
    corsAllowedOrigins: check(() => origins(env), []),
    rateLimitPerMinute: check(() => count(env, 'RATE_LIMIT_PER_MINUTE', 600, 1_000_000), 600),
    maxStreamsPerUser: check(() => count(env, 'MAX_STREAMS_PER_USER', 0, 100_000), 0),
    maxStreamsPerLink: check(() => count(env, 'MAX_STREAMS_PER_LINK', 0, 100_000), 0),
  };
}
