// Where the HTTP server listens, the base of the links it hands out, and its own limits. Address checks that need
// I/O (a trial listen) run at start in src/app/preflight.ts.
import { isIP } from 'node:net';
import { ConfigError } from './error.ts';
import { flag, httpUrl, int, type Check, type Env } from './read.ts';

export const HTTP_VARIABLES = ['PORT', 'BIND_ADDRESS', 'BASE_URL', 'MAX_STREAMS', 'MAX_STREAMS_PER_IP', 'HTTP_IDLE_TIMEOUT_MS', 'HEADERS_TIMEOUT_SECONDS', 'HEALTH_NO_SESSION_SECONDS', 'ALLOW_MESSAGE_IDS'] as const;

export interface HttpSettings {
  /** BIND_ADDRESS: an IP address or a host name (resolved at start). */
  host: string;
  port: number;
  /** Base of the links handed to users, e.g. https://files.example.com */
  baseUrl: string;
  maxStreams: number;
  /** Concurrent streams one client IP may hold. */
  maxStreamsPerIp: number;
  idleTimeoutMs: number;
  /** A response whose first bytes are not ready after this long gets 503 + Retry-After. */
  headersTimeoutMs: number;
  /** /healthz answers 503 once no session has been ready for this long. */
  healthNoSessionMs: number;
  /** Test-only: accept a bare log-channel message id as a link id. Never enable on a public instance. */
  allowMessageIds: boolean;
}

// RFC 1123 host names; a last label of digits only is a mistyped IPv4 address (256.1.1.1), not a name.
const HOST_NAME = /^(?=.{1,253}\.?$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*(?!\d+\.?$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$/;

function bindAddress(env: Env): string {
  const raw = env.BIND_ADDRESS?.trim() || '0.0.0.0';
  if (isIP(raw) || HOST_NAME.test(raw)) return raw;
  throw new ConfigError(`BIND_ADDRESS must be an IP address of this machine (0.0.0.0 for all IPv4 interfaces, :: for all) or a host name, without brackets or port (got "${raw}")`);
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

export function readHttp(env: Env, check: Check): HttpSettings {
  const port = check(() => int(env, 'PORT', 8080, 0, 65535), 8080);
  const host = check(() => bindAddress(env), '0.0.0.0');
  const seconds = (name: string, fallback: number, min: number, max: number) => check(() => int(env, name, fallback, min, max), fallback) * 1000;
  return {
    host,
    port,
    baseUrl: check(() => baseUrl(env, host, port), ''),
    maxStreams: check(() => int(env, 'MAX_STREAMS', 256, 1, 100000), 256),
    maxStreamsPerIp: check(() => int(env, 'MAX_STREAMS_PER_IP', 16, 1, 100000), 16),
    idleTimeoutMs: check(() => int(env, 'HTTP_IDLE_TIMEOUT_MS', 10000, 1000, 300000), 10000),
    headersTimeoutMs: seconds('HEADERS_TIMEOUT_SECONDS', 8, 1, 60),
    healthNoSessionMs: seconds('HEALTH_NO_SESSION_SECONDS', 60, 1, 3600),
    allowMessageIds: check(() => flag(env, 'ALLOW_MESSAGE_IDS'), false),
  };
}
