// In-memory counters waiting to be written: bandwidth per (month, user) and download/stream counts per file.
// Streaming calls recordBytes once per chunk; writing each chunk would cost a database round trip per 512 KiB, so
// increments are summed here and written as one batch. A batch that fails to write is merged back, which is also
// what keeps counters working while the database is away.

export interface BandwidthDelta {
  month: string;
  /** null: the global total. */
  userId: number | null;
  bytes: number;
}

export interface FileCountDelta {
  id: string;
  downloads: number;
  streams: number;
}

export interface CounterBatch {
  bandwidth: BandwidthDelta[];
  files: FileCountDelta[];
}

const bandwidthKey = (month: string, userId: number | null) => `${month}|${userId ?? '*'}`;

export class CounterBuffer {
  #bandwidth = new Map<string, BandwidthDelta>();
  #files = new Map<string, FileCountDelta>();
  #inFlight: CounterBatch | null = null;

  /** Adds to the global total of the month and, with a user, to that user's month. */
  addBytes(month: string, userId: number | null, bytes: number): void {
    if (bytes === 0) return;
    this.#addBandwidth(month, null, bytes);
    if (userId !== null) this.#addBandwidth(month, userId, bytes);
  }

  addFileCounts(id: string, downloads: number, streams: number): void {
    const entry = this.#files.get(id);
    if (entry) {
      entry.downloads += downloads;
      entry.streams += streams;
    } else {
      this.#files.set(id, { id, downloads, streams });
    }
  }

  /** A renewed file changes id; its pending counts follow it. A batch already in flight keeps the old id. */
  moveFileCounts(fromId: string, toId: string): void {
    const entry = this.#files.get(fromId);
    if (!entry) return;
    this.#files.delete(fromId);
    this.addFileCounts(toId, entry.downloads, entry.streams);
  }

  /** Number of entries (not bytes) waiting, including a batch being written. */
  get size(): number {
    return this.#bandwidth.size + this.#files.size + (this.#inFlight ? this.#inFlight.bandwidth.length + this.#inFlight.files.length : 0);
  }

  /** Moves everything pending into one batch to write; null when there is nothing or a batch is in flight. */
  take(): CounterBatch | null {
    if (this.#inFlight || (this.#bandwidth.size === 0 && this.#files.size === 0)) return null;
    this.#inFlight = { bandwidth: [...this.#bandwidth.values()], files: [...this.#files.values()] };
    this.#bandwidth = new Map();
    this.#files = new Map();
    return this.#inFlight;
  }

  /** Ends the in-flight batch: dropped when written, merged back otherwise. */
  settle(written: boolean): void {
    const batch = this.#inFlight;
    this.#inFlight = null;
    if (!batch || written) return;
    for (const d of batch.bandwidth) this.#addBandwidth(d.month, d.userId, d.bytes);
    for (const f of batch.files) this.addFileCounts(f.id, f.downloads, f.streams);
  }

  pendingBytes(month: string, userId: number | null): number {
    const key = bandwidthKey(month, userId);
    let total = this.#bandwidth.get(key)?.bytes ?? 0;
    for (const d of this.#inFlight?.bandwidth ?? []) if (d.month === month && d.userId === userId) total += d.bytes;
    return total;
  }

  /** Unwritten bytes of a user over every month (for the lifetime bandwidth_used). */
  pendingUserBytes(userId: number): number {
    let total = 0;
    for (const d of this.#bandwidth.values()) if (d.userId === userId) total += d.bytes;
    for (const d of this.#inFlight?.bandwidth ?? []) if (d.userId === userId) total += d.bytes;
    return total;
  }

  pendingFile(id: string): { downloads: number; streams: number } {
    const out = { downloads: 0, streams: 0 };
    for (const f of [this.#files.get(id), ...(this.#inFlight?.files.filter((x) => x.id === id) ?? [])]) {
      if (!f) continue;
      out.downloads += f.downloads;
      out.streams += f.streams;
    }
    return out;
  }

  #addBandwidth(month: string, userId: number | null, bytes: number): void {
    const key = bandwidthKey(month, userId);
    const entry = this.#bandwidth.get(key);
    if (entry) entry.bytes += bytes;
    else this.#bandwidth.set(key, { month, userId, bytes });
  }
}

export interface FlusherOptions {
  intervalMs: number;
  write(batch: CounterBatch): Promise<void>;
  /** Called when a timer-driven flush fails; the batch is already merged back. */
  onError(err: unknown): void;
}

/** Writes the buffer on a timer and on demand, one batch at a time. */
export class CounterFlusher {
  readonly #buffer: CounterBuffer;
  readonly #options: FlusherOptions;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();

  constructor(buffer: CounterBuffer, options: FlusherOptions) {
    this.#buffer = buffer;
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.flush().catch((err) => this.#options.onError(err));
    }, this.#options.intervalMs);
    // A pending flush must not keep the process alive; close() does the final one.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Resolves once everything buffered before the call is written; rejects (keeping the counters) if it can't be. */
  flush(): Promise<void> {
    const run = this.#running.catch(() => {}).then(() => this.#writeOnce());
    this.#running = run;
    return run;
  }

  async #writeOnce(): Promise<void> {
    const batch = this.#buffer.take();
    if (!batch) return;
    try {
      await this.#options.write(batch);
      this.#buffer.settle(true);
    } catch (err) {
      this.#buffer.settle(false);
      throw err;
    }
  }
}
