// Bots' send limits (core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): in one chat about
// one message per second, in bulk about 30 per second, short bursts allowed. Token buckets per bot, per chat and
// overall; a send beyond them answers 420 FLOOD_WAIT_X with X the whole seconds until a token is free.

export interface SendRate {
  perSecond: number;
  burst: number;
}

export interface SendLimits {
  perChat?: SendRate;
  overall?: SendRate;
}

export const DEFAULT_SEND_LIMITS: Required<SendLimits> = {
  perChat: { perSecond: 1, burst: 5 },
  overall: { perSecond: 30, burst: 30 },
};

class Bucket {
  #tokens: number;
  #last = Date.now();
  constructor(readonly rate: SendRate) {
    this.#tokens = rate.burst;
  }

  #refill(): void {
    const t = Date.now();
    this.#tokens = Math.min(this.rate.burst, this.#tokens + ((t - this.#last) / 1000) * this.rate.perSecond);
    this.#last = t;
  }

  /** Whole seconds until a token is free (0 when one is). */
  wait(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - this.#tokens) / this.rate.perSecond));
  }

  take(): void {
    this.#tokens -= 1;
  }
}

function checkRate(rate: SendRate | undefined, what: string): void {
  if (rate === undefined) return;
  if (!(Number.isFinite(rate.perSecond) && rate.perSecond > 0)) throw new RangeError(`${what}.perSecond must be a positive number (got ${rate.perSecond})`);
  if (!(Number.isFinite(rate.burst) && rate.burst >= 1)) throw new RangeError(`${what}.burst must be a number ≥ 1 (got ${rate.burst})`);
}

export class BotSendLimiter {
  #limits: SendLimits | null = DEFAULT_SEND_LIMITS;
  readonly #buckets = new Map<string, Bucket>();

  /** null turns the limits off; a missing half keeps its default. */
  set(limits: SendLimits | null): void {
    if (limits !== null) {
      if (typeof limits !== 'object') throw new TypeError('send limits must be an object or null');
      checkRate(limits.perChat, 'perChat');
      checkRate(limits.overall, 'overall');
    }
    this.#limits = limits === null ? null : { ...DEFAULT_SEND_LIMITS, ...limits };
    this.#buckets.clear();
  }

  get limits(): SendLimits | null {
    return this.#limits;
  }

  #bucket(key: string, rate: SendRate): Bucket {
    let b = this.#buckets.get(key);
    if (!b) this.#buckets.set(key, (b = new Bucket(rate)));
    return b;
  }

  /** Counts one send by `botId` into `chat`; returns 0 when allowed, else the seconds to wait (nothing is taken). */
  take(botId: bigint, chat: string): number {
    const limits = this.#limits;
    if (!limits) return 0;
    const buckets = [
      limits.perChat && this.#bucket(`${botId}:${chat}`, limits.perChat),
      limits.overall && this.#bucket(`${botId}`, limits.overall),
    ].filter((b): b is Bucket => Boolean(b));
    const wait = Math.max(0, ...buckets.map((b) => b.wait()));
    if (wait === 0) for (const b of buckets) b.take();
    return wait;
  }
}
