// What both backends do the same way around their database: buffered counters (downloads, streams, bandwidth) and
// their flush and sweep timers, the closed and degraded state, and the argument checks of the counter methods.
// A backend supplies the storage: how a batch of counters is written, how stored usage is read, how it disconnects.

import type { Logger } from 'pino';
import { CounterBuffer, CounterFlusher, type CounterBatch } from './counter-buffer.ts';
import { closed } from './errors.ts';
import { MemoryWindows } from './memory-windows.ts';
import { DEFAULT_EXPIRED_RETENTION_MS, DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_SWEEP_INTERVAL_MS, defaultLogger, every } from './shared.ts';
import type { BackendName, MonthlyUsage, StoreConfig, StoreHealth, SweepResult } from './types.ts';
import { checkCount, checkFileId, checkMonth, checkRetention, checkUserId, monthKey } from './validate.ts';

export abstract class BufferedStore {
  abstract readonly backend: BackendName;
  protected readonly now: () => number;
  protected readonly log: Logger;
  /** How long after its expiry a file is kept so that it can be renewed. */
  protected readonly expiredRetentionMs: number;
  protected readonly counters = new CounterBuffer();
  /** Rate windows counted in this process while the database cannot count them. */
  protected readonly memoryWindows = new MemoryWindows();
  protected degraded = false;
  protected lastError: string | null = null;
  readonly #flusher: CounterFlusher;
  readonly #sweepIntervalMs: number;
  #stopSweep: () => void = () => {};
  #closed = false;

  protected constructor(config: StoreConfig, backend: BackendName) {
    this.now = config.now ?? Date.now;
    this.expiredRetentionMs = checkRetention(config.expiredRetentionMs ?? DEFAULT_EXPIRED_RETENTION_MS);
    this.log = (config.logger ?? defaultLogger()).child({ store: backend });
    this.#sweepIntervalMs = config.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.#flusher = new CounterFlusher(this.counters, {
      intervalMs: config.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS,
      write: async (batch) => this.writeCounters(batch),
      onError: (err) => this.onFlushError(err),
    });
  }

  /** Writes one batch; throwing keeps the batch buffered for the next flush. */
  protected abstract writeCounters(batch: CounterBatch): void | Promise<void>;
  /** Bytes of a month already written to the database (userId null: the global total). */
  protected abstract storedUsage(month: string, userId: number | null): Promise<number>;
  /** Closes the connection; called once, after the final flush. */
  protected abstract disconnect(): void | Promise<void>;
  /** Error text safe for a log line. */
  protected abstract describeError(err: unknown): string;
  abstract sweepExpired(): Promise<SweepResult>;

  /** Starts the flush and sweep timers; called by a backend once its connection is usable, so a failed open leaves
   *  no timer behind. */
  protected startTimers(): void {
    this.#flusher.start();
    this.#stopSweep = every(this.#sweepIntervalMs, () => this.sweepInBackground());
  }

  protected onFlushError(err: unknown): void {
    this.log.warn({ err: this.describeError(err) }, 'counter flush failed; counters kept in memory');
  }

  protected sweepInBackground(): void {
    this.sweepExpired().catch((err) => this.log.warn({ err: this.describeError(err) }, 'sweep of expired rows failed'));
  }

  protected get isClosed(): boolean {
    return this.#closed;
  }

  protected assertOpen(): void {
    if (this.#closed) throw closed();
  }

  /** Flushes without the closed check, for a backend's own recovery path. */
  protected flushCounters(): Promise<void> {
    return this.#flusher.flush();
  }

  async incrementDownloads(id: string): Promise<void> {
    checkFileId(id);
    this.assertOpen();
    this.counters.addFileCounts(id, 1, 0);
  }

  async incrementStreams(id: string): Promise<void> {
    checkFileId(id);
    this.assertOpen();
    this.counters.addFileCounts(id, 0, 1);
  }

  recordBytes(userId: number | null, bytes: number): void {
    if (userId !== null) checkUserId(userId);
    checkCount(bytes, 'bytes');
    this.assertOpen();
    this.counters.addBytes(monthKey(this.now()), userId, bytes);
  }

  async getMonthlyUsage(userId?: number | null, month?: string): Promise<MonthlyUsage> {
    const user = userId ?? null;
    if (user !== null) checkUserId(user);
    const m = month === undefined ? monthKey(this.now()) : checkMonth(month);
    const stored = await this.storedUsage(m, user);
    return { month: m, userId: user, bytes: stored + this.counters.pendingBytes(m, user) };
  }

  flush(): Promise<void> {
    this.assertOpen();
    return this.#flusher.flush();
  }

  health(): StoreHealth {
    return { backend: this.backend, degraded: this.degraded, pendingCounters: this.counters.size, lastError: this.lastError };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flusher.stop();
    this.#stopSweep();
    try {
      await this.#flusher.flush();
    } catch (err) {
      this.log.error({ err: this.describeError(err), pending: this.counters.size }, 'final counter flush failed; pending counters are lost');
    }
    this.#closed = true;
    await this.disconnect();
  }
}
