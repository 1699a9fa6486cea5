// Per-session limits the sandbox applies: a request-rate token bucket (FLOOD_WAIT_X when empty) and a byte-rate
// pacer (answers are delayed, never refused, like a congested link).

export class TokenBucket {
  #tokens: number;
  #last = Date.now();
  constructor(private readonly perSecond: number, private readonly burst: number) {
    this.#tokens = burst;
  }

  /** Takes one token; returns 0 when allowed, else the whole seconds to wait (at least 1). */
  take(): number {
    const t = Date.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((t - this.#last) / 1000) * this.perSecond);
    this.#last = t;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.perSecond));
  }
}

export class BytePacer {
  #nextFree = 0;
  constructor(public bytesPerSecond: number) {}

  /** Milliseconds to hold an answer of `bytes` so the session never exceeds its rate. */
  delayFor(bytes: number): number {
    const t = Date.now();
    const start = Math.max(t, this.#nextFree);
    this.#nextFree = start + (bytes / this.bytesPerSecond) * 1000;
    return Math.max(0, this.#nextFree - t);
  }
}
