// MongoDB backend. Counters are `$inc` with upsert on fixed keys, so several StreamBot instances sharing a database
// enforce one quota. When the database becomes unreachable the store turns `degraded`: known files, users and
// sessions are served from memory, counters stay buffered, rate windows count in memory, and everything else
// (including registering new files) fails fast with SB_ERR_STORE_UNAVAILABLE. A probe notices the database coming
// back and flushes what was buffered.

import { MongoClient, type AnyBulkWriteOperation, type Filter } from 'mongodb';
import { BufferedStore } from '../buffered-store.ts';
import type { CounterBatch } from '../counter-buffer.ts';
import { duplicateFile, invalidArgument, unavailable } from '../errors.ts';
import { isPublicId, newLinkSecret, newPublicId } from '../link-ids.ts';
import { every, iterateUserIds, windowBounds, windowHit } from '../shared.ts';
import type {
  FileRecord, JsonValue, NewFile, Page, PageRequest, Store, StoreConfig, SweepResult, UserProfile, UserRecord, WindowHit,
} from '../types.ts';
import {
  checkFileId, checkJson, checkKey, checkMessageId, checkNewFile, checkProfile, checkUserId, checkWindow,
  decodeFileCursor, decodeUserCursor, encodeFileCursor, encodeUserCursor, pageLimit,
} from '../validate.ts';
import { bandwidthId, collections, ensureIndexes, type Collections, type FileDoc, type UserDoc } from './collections.ts';
import { RecentCache } from './recent-cache.ts';
import { isDuplicateKey, isUnavailableError, safeMessage, withRetry } from './transient.ts';

interface CallOptions<T> {
  /** Safe to send twice (no $inc). */
  idempotent: boolean;
  /** Answer from memory while degraded; undefined means "not known here". */
  fallback?: () => T | undefined;
}

export class MongoStore extends BufferedStore implements Store {
  readonly backend = 'mongodb' as const;
  readonly #client: MongoClient;
  readonly #c: Collections;
  readonly #probeIntervalMs: number;
  readonly #files: RecentCache<string, FileDoc>;
  readonly #fileIdByMessage: RecentCache<number, string>;
  readonly #users: RecentCache<number, UserDoc>;
  readonly #usage = new Map<string, number>();
  readonly #sessions = new Map<string, string>();
  readonly #settings = new Map<string, string>();
  #stopProbe: (() => void) | null = null;
  #probing = false;

  private constructor(client: MongoClient, config: StoreConfig) {
    super(config, 'mongodb');
    this.#client = client;
    this.#c = collections(client.db(config.databaseName!));
    this.#probeIntervalMs = config.probeIntervalMs ?? 1000;
    const cacheSize = config.fallbackCacheSize ?? 10_000;
    this.#files = new RecentCache(cacheSize);
    this.#fileIdByMessage = new RecentCache(cacheSize);
    this.#users = new RecentCache(cacheSize);
  }

  /** Connects and creates indexes; rejects with SB_ERR_STORE_UNAVAILABLE when the database cannot be reached. */
  static async open(config: StoreConfig): Promise<MongoStore> {
    const client = new MongoClient(config.databaseUrl!, {
      appName: 'streambot',
      retryWrites: true,
      retryReads: true,
      // Fail over to memory within seconds rather than the driver's default 30 s, or every request would hang.
      serverSelectionTimeoutMS: 5000,
      ...config.mongoOptions,
    });
    try {
      await client.connect();
      const store = new MongoStore(client, config);
      await ensureIndexes(store.#c);
      store.startTimers();
      return store;
    } catch (err) {
      await client.close().catch(() => {});
      if (isUnavailableError(err)) throw unavailable('starting the store', new Error(safeMessage(err)));
      throw err;
    }
  }

  // Users

  async upsertUser(profile: UserProfile): Promise<UserRecord> {
    const p = checkProfile(profile);
    const now = new Date(this.now());
    const set: Partial<UserDoc> = { last_active: now };
    const onInsert: Partial<UserDoc> = { join_date: now, bandwidth_used: 0, files_shared: 0, is_banned: false };
    if (p.username !== undefined) set.username = p.username;
    else onInsert.username = null;
    if (p.firstName !== undefined) set.first_name = p.firstName;
    else onInsert.first_name = null;
    const doc = await this.#call('recording a user', () => this.#c.users.findOneAndUpdate(
      { user_id: p.userId },
      { $set: set, $setOnInsert: onInsert },
      { upsert: true, returnDocument: 'after', projection: { _id: 0 } },
    ), {
      idempotent: true,
      fallback: () => {
        const cached = this.#users.get(p.userId);
        return cached && { ...cached, ...set };
      },
    });
    this.#users.set(p.userId, doc!);
    return this.#user(doc!);
  }

  async getUser(userId: number): Promise<UserRecord | null> {
    checkUserId(userId);
    const doc = await this.#call('reading a user', () => this.#c.users.findOne({ user_id: userId }, { projection: { _id: 0 } }), {
      idempotent: true,
      fallback: () => this.#users.get(userId),
    });
    if (doc) this.#users.set(userId, doc);
    else this.#users.delete(userId);
    return doc ? this.#user(doc) : null;
  }

  async setBanned(userId: number, banned: boolean): Promise<boolean> {
    checkUserId(userId);
    if (typeof banned !== 'boolean') throw invalidArgument('banned', 'a boolean', banned);
    const res = await this.#call('banning a user', () => this.#c.users.updateOne({ user_id: userId }, { $set: { is_banned: banned } }), { idempotent: true });
    const cached = this.#users.get(userId);
    if (cached) cached.is_banned = banned;
    return res.matchedCount > 0;
  }

  async listUsers(page?: PageRequest): Promise<Page<UserRecord>> {
    const limit = pageLimit(page);
    const after = decodeUserCursor(page?.cursor) ?? 0;
    const docs = await this.#call('listing users', () =>
      this.#c.users.find({ user_id: { $gt: after } }, { projection: { _id: 0 } }).sort({ user_id: 1 }).limit(limit + 1).toArray(),
    { idempotent: true });
    const items = docs.slice(0, limit).map((d) => this.#user(d));
    return { items, nextCursor: docs.length > limit ? encodeUserCursor(items[items.length - 1]!.userId) : null };
  }

  async countUsers(filter?: { banned?: boolean }): Promise<number> {
    const query: Filter<UserDoc> = filter?.banned === undefined ? {} : filter.banned ? { is_banned: true } : { is_banned: { $ne: true } };
    return this.#call('counting users', () => this.#c.users.countDocuments(query), { idempotent: true });
  }

  userIds(options?: { includeBanned?: boolean; pageSize?: number }): AsyncIterable<number> {
    const pageSize = pageLimit({ limit: options?.pageSize ?? 500 });
    return iterateUserIds(async (after, limit) => {
      const query: Filter<UserDoc> = { user_id: { $gt: after } };
      if (!options?.includeBanned) query.is_banned = { $ne: true };
      const docs = await this.#call('listing users', () =>
        this.#c.users.find(query, { projection: { _id: 0, user_id: 1 } }).sort({ user_id: 1 }).limit(limit).toArray(),
      { idempotent: true });
      return docs.map((d) => d.user_id);
    }, pageSize);
  }

  // Files

  async registerFile(file: NewFile): Promise<FileRecord> {
    const f = checkNewFile(file);
    const base = {
      message_id: f.messageId, user_id: f.userId, file_name: f.fileName, file_size: f.fileSize, file_type: f.fileType,
      mime_type: f.mimeType, is_video: f.isVideo, upload_date: new Date(this.now()), download_count: 0, stream_count: 0,
      expires_at: f.expiresAt, link_secret: newLinkSecret(), revoked: false,
    };
    for (let attempt = 0; ; attempt++) {
      const doc: FileDoc = { _id: newPublicId(), ...base };
      try {
        await this.#call('registering a new file', () => this.#c.files.insertOne(doc), { idempotent: false });
      } catch (err) {
        if (isDuplicateKey(err) && /message_id/.test((err as Error).message)) throw duplicateFile(f.messageId);
        if (isDuplicateKey(err) && attempt < 3) continue;
        throw err;
      }
      this.#remember(doc);
      await this.#c.users.updateOne({ user_id: f.userId }, { $inc: { files_shared: 1 } }).catch((err) => {
        // The file is registered; a missed files_shared increment is not worth failing the upload for.
        this.log.warn({ err: safeMessage(err) }, 'could not count a shared file');
      });
      return this.#file(doc);
    }
  }

  async getFile(id: string): Promise<FileRecord | null> {
    this.assertOpen();
    if (!isPublicId(id)) return null;
    const doc = await this.#call('reading a file', () => this.#c.files.findOne({ _id: id, ...this.#visible() }), {
      idempotent: true,
      fallback: () => this.#files.get(id) ?? undefined,
    });
    return this.#fileOrNull(doc, id);
  }

  async getFileByMessageId(messageId: number): Promise<FileRecord | null> {
    checkMessageId(messageId);
    const doc = await this.#call('reading a file', () => this.#c.files.findOne({ message_id: messageId, ...this.#visible() }), {
      idempotent: true,
      fallback: () => {
        const id = this.#fileIdByMessage.get(messageId);
        return id === undefined ? undefined : this.#files.get(id);
      },
    });
    if (!doc) {
      const id = this.#fileIdByMessage.get(messageId);
      if (id !== undefined) this.#files.delete(id);
    }
    return this.#fileOrNull(doc, null);
  }

  async listFilesByUser(userId: number, page?: PageRequest): Promise<Page<FileRecord>> {
    checkUserId(userId);
    const limit = pageLimit(page);
    const after = decodeFileCursor(page?.cursor);
    const query: Filter<FileDoc> = { user_id: userId, ...this.#visible() };
    if (after) {
      query.$and = [{ $or: [{ upload_date: { $lt: after.uploadDate } }, { upload_date: after.uploadDate, _id: { $lt: after.id } }] }];
    }
    const docs = await this.#call('listing files', () =>
      this.#c.files.find(query).sort({ upload_date: -1, _id: -1 }).limit(limit + 1).toArray(),
    { idempotent: true });
    const items = docs.slice(0, limit).map((d) => this.#file(d));
    const last = items[items.length - 1];
    return { items, nextCursor: docs.length > limit && last ? encodeFileCursor(last.uploadDate, last.id) : null };
  }

  async revokeFile(id: string): Promise<boolean> {
    checkFileId(id);
    const res = await this.#call('revoking a link', () => this.#c.files.updateOne({ _id: id, ...this.#visible() }, { $set: { revoked: true } }), { idempotent: true });
    const cached = this.#files.get(id);
    if (cached) cached.revoked = true;
    return res.matchedCount > 0;
  }

  async deleteFile(id: string): Promise<boolean> {
    checkFileId(id);
    const res = await this.#call('deleting a file', () => this.#c.files.deleteOne({ _id: id }), { idempotent: true });
    this.#files.delete(id);
    return res.deletedCount > 0;
  }

  // Bandwidth

  protected async storedUsage(month: string, userId: number | null): Promise<number> {
    const key = bandwidthId(month, userId);
    const stored = await this.#call('reading bandwidth usage', async () => (await this.#c.bandwidth.findOne({ _id: key }))?.bytes ?? 0, {
      idempotent: true,
      // The last value read, so quotas keep being enforced (approximately) during an outage.
      fallback: () => this.#usage.get(key) ?? 0,
    });
    this.#usage.set(key, stored);
    return stored;
  }

  protected async writeCounters(batch: CounterBatch): Promise<void> {
    if (this.degraded) throw unavailable('writing counters');
    // Each part leaves the batch once written, so a failure in a later part does not count an earlier one twice.
    if (batch.files.length) {
      const ops: AnyBulkWriteOperation<FileDoc>[] = batch.files.map((f) => ({
        updateOne: { filter: { _id: f.id }, update: { $inc: { download_count: f.downloads, stream_count: f.streams } } },
      }));
      await this.#call('writing counters', () => this.#c.files.bulkWrite(ops, { ordered: false }), { idempotent: false });
      batch.files = [];
    }
    if (batch.bandwidth.length) {
      await this.#call('writing counters', () => this.#c.bandwidth.bulkWrite(batch.bandwidth.map((d) => ({
        updateOne: {
          filter: { _id: bandwidthId(d.month, d.userId) },
          update: { $inc: { bytes: d.bytes }, $setOnInsert: { month: d.month, user_id: d.userId } },
          upsert: true,
        },
      })), { ordered: false }), { idempotent: false });
      const perUser = batch.bandwidth.filter((d) => d.userId !== null);
      batch.bandwidth = [];
      if (perUser.length) {
        await this.#c.users.bulkWrite(perUser.map((d) => ({
          updateOne: { filter: { user_id: d.userId! }, update: { $inc: { bandwidth_used: d.bytes } } },
        })), { ordered: false }).catch((err) => {
          // Monthly usage (what quotas read) is written; only the lifetime total misses these bytes.
          this.log.warn({ err: safeMessage(err) }, 'could not add to users.bandwidth_used');
        });
      }
    }
  }

  // Rate limits

  async hitWindow(key: string, windowMs: number, limit: number): Promise<WindowHit> {
    checkWindow(key, windowMs, limit);
    const now = this.now();
    const { start, end } = windowBounds(now, windowMs);
    const hit = () => this.#c.rateWindows.findOneAndUpdate(
      { _id: `${key}|${start}` },
      { $inc: { count: 1 }, $setOnInsert: { key, window_start: new Date(start), expires_at: new Date(end) } },
      { upsert: true, returnDocument: 'after' },
    );
    const fallback = () => this.memoryWindows.hit(key, windowMs, now).count;
    const count = await this.#call('counting a rate-limit hit', async () => {
      try {
        return (await hit())!.count;
      } catch (err) {
        // Two first hits can race to insert the window; the loser's retry finds it and increments.
        if (isDuplicateKey(err)) return (await hit())!.count;
        throw err;
      }
    }, { idempotent: false, fallback });
    return windowHit(count, limit, end);
  }

  // Sessions

  async getSession(botId: string): Promise<string | null> {
    checkKey(botId, 'botId', 64);
    const session = await this.#call('reading a session', async () => (await this.#c.sessions.findOne({ _id: botId }))?.session ?? null, {
      idempotent: true,
      fallback: () => this.#sessions.get(botId),
    });
    if (session === null) this.#sessions.delete(botId);
    else this.#sessions.set(botId, session);
    return session;
  }

  async saveSession(botId: string, session: string): Promise<void> {
    checkKey(botId, 'botId', 64);
    checkKey(session, 'session', 64 * 1024);
    await this.#call('saving a session', () => this.#c.sessions.updateOne(
      { _id: botId }, { $set: { session, updated_at: new Date(this.now()) } }, { upsert: true },
    ), { idempotent: true });
    this.#sessions.set(botId, session);
  }

  async deleteSession(botId: string): Promise<boolean> {
    checkKey(botId, 'botId', 64);
    const res = await this.#call('deleting a session', () => this.#c.sessions.deleteOne({ _id: botId }), { idempotent: true });
    this.#sessions.delete(botId);
    return res.deletedCount > 0;
  }

  // Settings

  async getSetting<T extends JsonValue = JsonValue>(key: string): Promise<T | null> {
    checkKey(key, 'key');
    const json = await this.#call('reading a setting', async () => (await this.#c.settings.findOne({ _id: key }))?.value_json ?? null, {
      idempotent: true,
      fallback: () => this.#settings.get(key),
    });
    if (json === null) this.#settings.delete(key);
    else this.#settings.set(key, json);
    return json === null ? null : (JSON.parse(json) as T);
  }

  async setSetting(key: string, value: JsonValue): Promise<void> {
    checkKey(key, 'key');
    const json = checkJson(value);
    await this.#call('saving a setting', () => this.#c.settings.updateOne(
      { _id: key }, { $set: { value_json: json, updated_at: new Date(this.now()) } }, { upsert: true },
    ), { idempotent: true });
    this.#settings.set(key, json);
  }

  // Maintenance

  async sweepExpired(): Promise<SweepResult> {
    const now = new Date(this.now());
    const files = await this.#call('sweeping expired files', () =>
      this.#c.files.deleteMany({ $and: [{ expires_at: { $ne: null } }, { expires_at: { $lte: now } }] }), { idempotent: true });
    const windows = await this.#call('sweeping rate windows', () => this.#c.rateWindows.deleteMany({ expires_at: { $lte: now } }), { idempotent: true });
    return { files: files.deletedCount, rateWindows: windows.deletedCount };
  }

  override async close(): Promise<void> {
    // A probe must not flush behind the final flush's back.
    this.#stopProbe?.();
    await super.close();
  }

  // Internals

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

  async #call<T>(what: string, op: () => Promise<T>, options: CallOptions<T>): Promise<T> {
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

  #visible(): Filter<FileDoc> {
    return { $or: [{ expires_at: null }, { expires_at: { $gt: new Date(this.now()) } }] };
  }

  #remember(doc: FileDoc): void {
    this.#files.set(doc._id, doc);
    this.#fileIdByMessage.set(doc.message_id, doc._id);
  }

  /** Applies expiry to cached answers too, and keeps the cache in step with what the database said. */
  #fileOrNull(doc: FileDoc | null, id: string | null): FileRecord | null {
    if (!doc) {
      if (id !== null) this.#files.delete(id);
      return null;
    }
    if (doc.expires_at && doc.expires_at.getTime() <= this.now()) return null;
    this.#remember(doc);
    return this.#file(doc);
  }

  #user(d: UserDoc): UserRecord {
    return {
      userId: d.user_id,
      username: d.username ?? null,
      firstName: d.first_name ?? null,
      joinDate: d.join_date,
      lastActive: d.last_active,
      bandwidthUsed: (d.bandwidth_used ?? 0) + this.counters.pendingUserBytes(d.user_id),
      filesShared: d.files_shared ?? 0,
      isBanned: d.is_banned === true,
    };
  }

  #file(d: FileDoc): FileRecord {
    const pending = this.counters.pendingFile(d._id);
    return {
      id: d._id,
      secret: d.link_secret,
      messageId: d.message_id,
      userId: d.user_id,
      fileName: d.file_name,
      fileSize: d.file_size,
      fileType: d.file_type,
      mimeType: d.mime_type,
      isVideo: d.is_video === true,
      uploadDate: d.upload_date,
      downloadCount: (d.download_count ?? 0) + pending.downloads,
      streamCount: (d.stream_count ?? 0) + pending.streams,
      expiresAt: d.expires_at ?? null,
      revoked: d.revoked === true,
    };
  }
}
