// The HttpPolicy every route runs through (src/http/routes/mount.ts): the client address, security headers, CORS,
// bounded request heads and the per-address request rate on the file routes.
import type { HttpLogger } from '../http/logger.ts';
import { textResponse } from '../http/routes/mount.ts';
import type { HeaderList, HttpPolicy, Route, RouteRequest, RouteResponse } from '../http/routes/types.ts';
import type { Store } from '../store/types.ts';
import { parseCidrList, type CidrList } from './cidr.ts';
import { clientIpFrom } from './client-ip.ts';
import { Cors, parseOrigins } from './cors.ts';
import { securityHeaders } from './headers.ts';
import { IpRateLimiter } from './rate-limit.ts';
import { DEFAULT_MAX_HEADER_BYTES, headerBytes } from './request-limits.ts';

export interface SecurityOptions {
  /** The public address links are built on; HSTS is sent only when it is https. */
  baseUrl: string;
  /** CORS_ALLOWED_ORIGINS: exact origins ("https://a.example"); empty = no CORS. */
  corsAllowedOrigins: string[];
  /** TRUSTED_PROXIES: addresses or CIDR blocks (IPv4 and IPv6) whose X-Forwarded-For is believed, as written or
   *  already parsed by parseCidrList. */
  trustedProxies: string[] | CidrList;
  /** RATE_LIMIT_PER_MINUTE: requests per client address per minute on the file routes (/dl, /stream); 0 = off. */
  requestsPerMinutePerIp: number;
  /** MAX_STREAMS_PER_USER: concurrent viewers of one owner's files (ViewerCaps, called by the file source); 0 = off. */
  streamsPerUser: number;
  /** MAX_STREAMS_PER_LINK: concurrent viewers of one link (ViewerCaps); 0 = off. */
  streamsPerLink: number;
  /** Counts the request rate in the database, shared by every instance using it; else in this process. */
  store?: Store;
  /** Header bytes (names and values) a request may carry before it gets 431; default 8 KiB. */
  maxHeaderBytes?: number;
  now?: () => number;
  logger: HttpLogger;
}

export type SecurityPolicy = Required<Pick<HttpPolicy, 'clientIp' | 'before' | 'headers'>> & {
  /** Settles once the store has counted every request so far. */
  flush(): Promise<void>;
  close(): void;
};

export function createSecurityPolicy(o: SecurityOptions): SecurityPolicy {
  const https = checkBaseUrl(o.baseUrl);
  const origins = parseOrigins(listOption('corsAllowedOrigins', o.corsAllowedOrigins));
  const trusted: CidrList = Array.isArray(o.trustedProxies) ? parseCidrList(listOption('trustedProxies', o.trustedProxies).join(',')) : checkCidrList(o.trustedProxies);
  const perMinute = countOption('requestsPerMinutePerIp', o.requestsPerMinutePerIp);
  countOption('streamsPerUser', o.streamsPerUser);
  countOption('streamsPerLink', o.streamsPerLink);
  const maxHeaderBytes = o.maxHeaderBytes === undefined ? DEFAULT_MAX_HEADER_BYTES : countOption('maxHeaderBytes', o.maxHeaderBytes);
  const logger = o.logger.child({ component: 'security' });
  const cors = new Cors(origins);
  const limiter = perMinute > 0 ? new IpRateLimiter({ perMinute, store: o.store, now: o.now ?? Date.now, logger }) : null;
  const hasXff = trusted.entries.length > 0;

  return {
    clientIp: (peer, headers) => (hasXff ? clientIpFrom(peer, headers['x-forwarded-for'], trusted) : peer),

    // Always decides synchronously (rate-limit.ts says why), so a file route starts in the request's own tick.
    before: (req: RouteRequest, route: Route): RouteResponse | undefined => {
      if (headerBytes(req) > maxHeaderBytes) return textResponse(431, `request headers too large (at most ${maxHeaderBytes} bytes)`);
      if (Cors.appliesTo(route.kind) && Cors.isPreflight(req)) return cors.preflight(req, route.kind, route.methods);
      if (limiter === null || route.kind !== 'file') return undefined;
      const d = limiter.hit(req.ip);
      if (d.allowed) return undefined;
      return textResponse(429, `too many requests from your address, retry in ${d.retryAfterS} s`, [['Retry-After', String(d.retryAfterS)]]);
    },

    headers: (req: RouteRequest, route: Route, _status: number): HeaderList => {
      const own = securityHeaders(route.kind, https);
      return Cors.appliesTo(route.kind) ? [...own, ...cors.headers(req, route.kind)] : own;
    },

    flush: async () => limiter?.flush(),
    close: () => limiter?.close(),
  };
}

function checkBaseUrl(baseUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`security options.baseUrl must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`security options.baseUrl must be an http(s) URL, got ${JSON.stringify(baseUrl)}`);
  return url.protocol === 'https:';
}

function checkCidrList(value: unknown): CidrList {
  const list = value as CidrList | null;
  if (typeof list !== 'object' || list === null || !Array.isArray(list.entries) || typeof list.blocks?.check !== 'function') {
    throw new TypeError('security options.trustedProxies must be an array of strings or a list from parseCidrList');
  }
  return list;
}

function listOption(name: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new TypeError(`security options.${name} must be an array of strings`);
  return value as string[];
}

function countOption(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new RangeError(`security options.${name} must be a non-negative integer (0 = off), got ${String(value)}`);
  return value as number;
}
