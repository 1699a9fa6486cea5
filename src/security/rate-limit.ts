// Requests per client address per minute on the file routes (/dl, /stream): every range request counts, so a
// client hammering the links cannot keep the sessions busy for everyone. Fixed windows, like the store's.
//
// The decision is always taken at once, from what this process knows: its own count for the window, and whether
// the store has already said the address is at its limit. The store's count (atomic across instances sharing the
// database) is updated in the background. Waiting for the database on every range request would add its latency to
// each seek, and a request answered after its handler returned makes uWS drop requests pipelined behind it. The
// price: an instance that has not yet heard that other instances used up an address's window lets one more of its
// requests through.
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

/** Above this many addresses at their limit, entries whose window is over are swept. */
const SWEEP_AT = 1024;

export class IpRateLimiter {
  readonly #o: IpRateLimiterOptions;
  #memory = new MemoryWindows();
  /** Addresses the store reported at or over the limit, until the end of that window. */
  readonly #full = new Map<string, number>();
  /** The window in which a store failure was last logged (once per window is enough to notice). */
  #warnedWindow = -1;

  constructor(o: IpRateLimiterOptions) {
    this.#o = o;
  }

  /** Counts one request of `ip` and decides at once. */
  hit(ip: string): RateDecision {
    const key = rateKey(ip);
    const { perMinute, store, now } = this.#o;
    const t = now();
    const full = this.#full.get(key);
    if (full !== undefined && full > t) {
      if (store !== undefined) this.#count(store, key);
      return { allowed: false, retryAfterS: retryAfter(full, t) };
    }
    const local = this.#memory.hit(key, RATE_WINDOW_MS, t);
    if (store !== undefined) this.#count(store, key);
    return local.count <= perMinute ? { allowed: true } : { allowed: false, retryAfterS: retryAfter(local.end, t) };
  }

  /** Settles when the store has answered every hit sent so far (tests; a graceful stop). */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  close(): void {
    this.#memory = new MemoryWindows();
    this.#full.clear();
  }

  readonly #pending = new Set<Promise<void>>();

  #count(store: Store, key: string): void {
    const { perMinute, now, logger } = this.#o;
    const p: Promise<void> = store.hitWindow(key, RATE_WINDOW_MS, perMinute).then(
      (hit) => {
        // At the limit already means the next request is one too many.
        if (hit.count >= perMinute) this.#markFull(key, hit.resetAt.getTime());
      },
      (err: unknown) => {
        // The store keeps its own in-memory windows while the database is away; an error beyond that leaves this
        // process's own count in charge.
        const window = Math.floor(now() / RATE_WINDOW_MS);
        if (window === this.#warnedWindow) return;
        this.#warnedWindow = window;
        logger.warn({ err }, 'rate limit count in the store failed; counting in this process only');
      },
    ).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  #markFull(key: string, until: number): void {
    if (this.#full.size >= SWEEP_AT) {
      const t = this.#o.now();
      for (const [k, end] of this.#full) if (end <= t) this.#full.delete(k);
    }
    this.#full.set(key, until);
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
