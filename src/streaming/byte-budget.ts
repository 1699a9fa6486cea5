// A cap on block bytes requested but not yet handed to a consumer, shared by every stream that uses it, so many
// concurrent streams cannot pile up unbounded memory. A stream that finds the budget spent waits its turn (FIFO);
// a stream with nothing outstanding may always take one block, so no stream can be starved into a deadlock.

export interface ByteBudgetStats {
  maxBytes: number;
  usedBytes: number;
  waiters: number;
}

export class ByteBudget {
  #max: number;
  #used = 0;
  #waiters = new Set<() => void>();

  constructor(maxBytes: number) {
    this.#max = ByteBudget.#check(maxBytes);
  }

  static #check(maxBytes: number): number {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw Object.assign(new RangeError('maxInFlightBytes must be a positive integer'), { code: 'SB_ERR_INVALID_OPTION' });
    }
    return maxBytes;
  }

  get maxBytes(): number { return this.#max; }
  set maxBytes(value: number) {
    this.#max = ByteBudget.#check(value);
    this.#wake();
  }

  /** Takes `bytes` if they fit; `force` takes them regardless (a stream's only outstanding block). */
  tryAcquire(bytes: number, force = false): boolean {
    if (!force && this.#used + bytes > this.#max) return false;
    this.#used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#used -= bytes;
    if (this.#used < 0) throw new Error(`byte budget released more than it lent (${this.#used})`);
    this.#wake();
  }

  /** Calls `wake` once, when bytes have been released. */
  wait(wake: () => void): void {
    this.#waiters.add(wake);
  }

  cancel(wake: () => void): void {
    this.#waiters.delete(wake);
  }

  stats(): ByteBudgetStats {
    return { maxBytes: this.#max, usedBytes: this.#used, waiters: this.#waiters.size };
  }

  #wake(): void {
    if (this.#waiters.size === 0 || this.#used >= this.#max) return;
    const queue = [...this.#waiters];
    this.#waiters.clear();
    let i = 0;
    for (; i < queue.length && this.#used < this.#max; i++) queue[i]!();
    // Waiters not reached keep their place ahead of any that re-registered meanwhile.
    if (i < queue.length) this.#waiters = new Set([...queue.slice(i), ...this.#waiters]);
  }
}
