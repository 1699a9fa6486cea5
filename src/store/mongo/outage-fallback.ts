// What the MongoDB backend does when the database becomes unreachable. The store turns `degraded`: known files,
// users and sessions are answered from the in-memory caches kept here, counters stay buffered, and everything else
// fails fast with SB_ERR_STORE_UNAVAILABLE. A probe notices the database coming back and flushes what was buffered.

import type { Filter, MongoClient } from 'mongodb';
import { BufferedStore } from '../buffered-store.ts';
import { unavailable } from '../errors.ts';
import { every } from '../shared.ts';
import type { FileReadOptions, FileRecord, StoreConfig, UserRecord } from '../types.ts';
import { collections, type Collections, type FileDoc, type UserDoc } from './collections.ts';
import { RecentCache } from './recent-cache.ts';
import { toFileRecord, toUserRecord } from './records.ts';
import { isUnavailableError, safeMessage, withRetry } from './transient.ts';

export interface CallOptions<T> {
  /** Safe to send twice (no $inc). */
  idempotent: boolean;
  /** Answer from memory while degraded; undefined means "not known here". */
  fallback?: () => T | undefined;
}

/** The last answers the database gave, kept to answer from while it is away. */
export interface FallbackCaches {
  files: RecentCache<string, FileDoc>;
  fileIdByMessage: RecentCache<number, string>;
  users: RecentCache<number, UserDoc>;
  usage: Map<string, number>;
  sessions: Map<string, string>;
  settings: Map<string, string>;
}

export abstract class OutageFallbackStore extends BufferedStore {
  readonly #client: MongoClient;
  protected readonly c: Collections;
  protected readonly cache: FallbackCaches;
  readonly #probeIntervalMs: number;
  #stopProbe: (() => void) | null = null;
  #probing = false;

  protected constructor(client: MongoClient, config: StoreConfig) {
    super(config, 'mongodb');
    this.#client = client;
    this.c = collections(client.db(config.databaseName!));
    this.#probeIntervalMs = config.probeIntervalMs ?? 1000;
    const cacheSize = config.fallbackCacheSize ?? 10_000;
    this.cache = {
      files: new RecentCache(cacheSize),
      fileIdByMessage: new RecentCache(cacheSize),
      users: new RecentCache(cacheSize),
      usage: new Map(),
      sessions: new Map(),
      settings: new Map(),
    };
  }

  override async close(): Promise<void> {
    // A probe must not flush behind the final flush's back.
    this.#stopProbe?.();
    await super.close();
  }

  protected async disconnect(): Promise<void> {
    await this.#client.close();
  }

  protected describeError(err: unknown): string {
    return safeMessage(err);
  }

  // Every flush fails while the database is away; that is expected, not worth a warning each time.
  protected override onFlushError(err: unknown): void {
    this.log.debug({ err: safeMessage(err) }, 'counter flush deferred');
  }

  // While degraded a sweep could only fail; the probe notices the database first.
  protected override sweepInBackground(): void {
    if (!this.degraded) super.sweepInBackground();
  }

  /** Runs one database operation, or answers from memory (or fails fast) while the database is unreachable. */
  protected async call<T>(what: string, op: () => Promise<T>, options: CallOptions<T>): Promise<T> {
    this.assertOpen();
    if (this.degraded) {
      const value = options.fallback?.();
      if (value !== undefined) return value;
      throw unavailable(what, this.lastError ? new Error(this.lastError) : undefined);
    }
    try {
      return await withRetry(op, options.idempotent);
    } catch (err) {
      if (!isUnavailableError(err)) throw err;
      this.#markDown(err);
      const value = options.fallback?.();
      if (value !== undefined) return value;
      throw unavailable(what, new Error(safeMessage(err)));
    }
  }

  #markDown(err: unknown): void {
    this.lastError = safeMessage(err);
    if (this.degraded || this.isClosed) return;
    this.degraded = true;
    this.log.warn({ err: this.lastError }, 'database unreachable: serving known records from memory, buffering counters');
    this.#stopProbe = every(this.#probeIntervalMs, () => void this.#probe());
  }

  async #probe(): Promise<void> {
    if (this.#probing || this.isClosed) return;
    this.#probing = true;
    try {
      await this.#client.db('admin').command({ ping: 1 });
      this.#stopProbe?.();
      this.#stopProbe = null;
      this.degraded = false;
      this.log.info({ pending: this.counters.size }, 'database reachable again; flushing buffered counters');
      await this.flushCounters().catch((err) => this.log.warn({ err: safeMessage(err) }, 'flush after recovery failed'));
    } catch (err) {
      this.lastError = safeMessage(err);
    } finally {
      this.#probing = false;
    }
  }

  /** Files whose link has not expired at this store's now; with includeExpired, also the expired files still kept
   *  for renewal (the retention counts from expires_at, as on SQLite, whatever purge_at a document carries). */
  protected visible(options?: FileReadOptions): Filter<FileDoc> {
    const now = this.now();
    const from = options?.includeExpired ? { $gte: new Date(now - this.expiredRetentionMs) } : { $gt: new Date(now) };
    return { $or: [{ expires_at: null }, { expires_at: from }] };
  }

  protected remember(doc: FileDoc): void {
    this.cache.files.set(doc._id, doc);
    this.cache.fileIdByMessage.set(doc.message_id, doc._id);
  }

  /** Applies expiry to cached answers too, and keeps the cache in step with what the database said. */
  protected fileOrNull(doc: FileDoc | null, id: string | null, options?: FileReadOptions): FileRecord | null {
    if (!doc) {
      if (id !== null) this.cache.files.delete(id);
      return null;
    }
    const expiry = doc.expires_at?.getTime() ?? Infinity;
    const until = options?.includeExpired ? expiry + this.expiredRetentionMs : expiry - 1;
    if (until < this.now()) return null;
    this.remember(doc);
    return this.file(doc);
  }

  protected user(d: UserDoc): UserRecord {
    return toUserRecord(d, this.counters.pendingUserBytes(d.user_id));
  }

  protected file(d: FileDoc): FileRecord {
    return toFileRecord(d, this.counters.pendingFile(d._id), this.now());
  }
}
