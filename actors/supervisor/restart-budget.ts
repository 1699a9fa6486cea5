// How soon, and whether, a dead session worker is started again: exponential backoff from baseMs, capped at
// maxMs, and at most maxRestarts restarts inside a sliding window of windowMs. Old restarts age out of the window,
// so a session that has been healthy for a while gets short delays again.

export interface RestartOptions {
  baseMs: number;
  maxMs: number;
  maxRestarts: number;
  windowMs: number;
  /** First delay before a 'failed' session (could not start, or restarted too often) is tried again. */
  failedBaseMs: number;
  /** The 'failed' retry delay doubles up to this. */
  failedMaxMs: number;
}

export class RestartBudget {
  readonly #opts: RestartOptions;
  #times: number[] = [];

  constructor(opts: RestartOptions) {
    this.#opts = opts;
  }

  /** Records a restart at `now` and returns the delay before it, or null when the window's budget is spent. */
  next(now: number): number | null {
    const { baseMs, maxMs, maxRestarts, windowMs } = this.#opts;
    this.#times = this.#times.filter((t) => now - t < windowMs);
    if (this.#times.length >= maxRestarts) return null;
    const delay = Math.min(maxMs, baseMs * 2 ** this.#times.length);
    this.#times.push(now);
    return delay;
  }

  /** Restarts counted in the current window as of `now`. */
  recent(now: number): number {
    return this.#times.filter((t) => now - t < this.#opts.windowMs).length;
  }
}
