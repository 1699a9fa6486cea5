// Keeps a failing dependency from flooding the log: the first of identical warnings or errors (same logger bindings,
// level, message and error code) within a window is written, the rest are counted, and one line with the count
// follows when the window closes.

export interface RepeatGateOptions {
  /** Window in ms from the first line of a kind. */
  windowMs: number;
  /** Writes the count line for a kind whose repeats were held back. */
  onSummary(kind: HeldKind): void;
}

export interface HeldKind {
  /** How many lines were held back after the first. */
  repeated: number;
  /** Whatever the caller attached to the first line (the logger and arguments to write the count line with). */
  first: unknown;
}

export class RepeatGate {
  readonly #opts: RepeatGateOptions;
  readonly #open = new Map<string, { held: HeldKind; timer: NodeJS.Timeout }>();

  constructor(opts: RepeatGateOptions) {
    if (!Number.isInteger(opts.windowMs) || opts.windowMs <= 0) {
      throw new RangeError(`repeat window must be a positive integer of ms (got ${opts.windowMs})`);
    }
    this.#opts = opts;
  }

  /** True when the line of this kind should be written now; false when it is counted instead. */
  admit(kind: string, first: unknown): boolean {
    const open = this.#open.get(kind);
    if (open) {
      open.held.repeated++;
      return false;
    }
    const held: HeldKind = { repeated: 0, first };
    const timer = setTimeout(() => this.#close(kind), this.#opts.windowMs);
    // A pending count line must not keep the process alive.
    timer.unref();
    this.#open.set(kind, { held, timer });
    return true;
  }

  /** Closes every open window now, writing the count lines (before exit). */
  flush(): void {
    for (const kind of [...this.#open.keys()]) this.#close(kind);
  }

  #close(kind: string): void {
    const open = this.#open.get(kind);
    if (!open) return;
    clearTimeout(open.timer);
    this.#open.delete(kind);
    if (open.held.repeated > 0) this.#opts.onSummary(open.held);
  }
}
