// Requests per client address per minute on the file routes (/dl, /stream): every range request counts, so a
// client hammering the links cannot keep the sessions busy for everyone. Fixed windows, like the store's, which
// counts atomically across instances sharing the database; without a store the count is this process's own.
import { isIP } from 'node:net';
import type { HttpLogger } from '../http/logger.ts';
import { MemoryWindows } from '../store/memory-windows.ts';
import type { Store } from '../store/types.ts';

export const RATE_WINDOW_MS = 60_000;

export type RateDecision = { allowed: true } | { allowed: false; retryAfterS: number };

export interface IpRateLimiterOptions {
  perMinute: number;
  store?: Store;
  now: () => number;
  logger: HttpLogger;
}

export class IpRateLimiter {
  readonly #o: IpRateLimiterOptions;
  #memory = new MemoryWindows();

  constructor(o: IpRateLimiterOptions) {
    this.#o = o;
  }

  /** Counts one request of `ip`. Synchronous without a store, so the file route can start in the same tick. */
  hit(ip: string): RateDecision | Promise<RateDecision> {
    const key = rateKey(ip);
    const { perMinute, store, now } = this.#o;
    if (store === undefined) {
      const { count, end } = this.#memory.hit(key, RATE_WINDOW_MS, now());
      return count <= perMinute ? { allowed: true } : { allowed: false, retryAfterS: retryAfter(end, now()) };
    }
    return store.hitWindow(key, RATE_WINDOW_MS, perMinute).then(
      (hit): RateDecision => (hit.allowed ? { allowed: true } : { allowed: false, retryAfterS: retryAfter(hit.resetAt.getTime(), now()) }),
      (err: unknown): RateDecision => {
        // The store keeps its own in-memory windows while the database is away; an error beyond that must not take
        // the links down with it.
        this.#o.logger.warn({ err }, 'rate limit check failed; request let through');
        return { allowed: true };
      },
    );
  }

  close(): void {
    this.#memory = new MemoryWindows();
  }
}

const retryAfter = (end: number, now: number) => Math.max(1, Math.ceil((end - now) / 1000));

/**
 * The key an address is counted under. An IPv6 host usually holds a whole /64 and can pick any address in it, so
 * IPv6 clients are counted per /64.
 */
export function rateKey(ip: string): string {
  if (isIP(ip) !== 6) return `http:ip:${ip}`;
  return `http:ip:${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, in lowercase hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
  let text = ip.toLowerCase().replace(/%.*$/, '');
  // A dotted IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16).toString(16));
}
