// MongoDB backend: users, files, sessions and settings. Counters live in counters.ts, and what happens while the
// database is unreachable (answers from memory, fast SB_ERR_STORE_UNAVAILABLE failures, the recovery probe) in
// outage-fallback.ts.

import type { Filter, MongoClient } from 'mongodb';
import { duplicateFile, invalidArgument } from '../errors.ts';
import { isPublicId, newPublicId } from '../../links/index.ts';
import { iterateUserIds } from '../shared.ts';
import type {
  FileReadOptions, FileRecord, JsonValue, NewFile, Page, PageRequest, Store, StoreConfig, SweepResult, UnreachableReason, UserFilter,
  UserIdOptions, UserProfile, UserRecord,
} from '../types.ts';
import {
  checkExpiresAt, checkFileId, checkJson, checkKey, checkMessageId, checkNewFile, checkProfile, checkUnreachable, checkUserId,
  decodeFileCursor, decodeUserCursor, encodeFileCursor, encodeUserCursor, pageLimit,
} from '../validate.ts';
import { ensureIndexes, type FileDoc, type UserDoc } from './collections.ts';
import { connectMongo } from './connect.ts';
import { newFileFields, renewedFileDoc, userUpsert } from './records.ts';
import { MongoSlidingWindowStore } from './sliding-windows.ts';
import { isDuplicateKey, safeMessage } from './transient.ts';

export class MongoStore extends MongoSlidingWindowStore implements Store {
  readonly backend = 'mongodb' as const;

  private constructor(client: MongoClient, config: StoreConfig) {
    super(client, config);
  }

  /** Connects and creates indexes; rejects with SB_ERR_STORE_UNAVAILABLE when the database cannot be reached. */
  static async open(config: StoreConfig): Promise<MongoStore> {
    return connectMongo(config, async (client) => {
      const store = new MongoStore(client, config);
      await ensureIndexes(store.c);
      store.startTimers();
      return store;
    });
  }

  // Users

  async upsertUser(profile: UserProfile): Promise<UserRecord> {
    const p = checkProfile(profile);
    const { set, onInsert } = userUpsert(p, new Date(this.now()));
    const doc = await this.call('recording a user', () => this.c.users.findOneAndUpdate(
      { user_id: p.userId },
      { $set: set, $setOnInsert: onInsert },
      { upsert: true, returnDocument: 'after', projection: { _id: 0 } },
    ), {
      idempotent: true,
      fallback: () => {
        const cached = this.cache.users.get(p.userId);
        return cached && { ...cached, ...set };
      },
    });
    this.cache.users.set(p.userId, doc!);
    return this.user(doc!);
  }

  async getUser(userId: number): Promise<UserRecord | null> {
    checkUserId(userId);
    const doc = await this.call('reading a user', () => this.c.users.findOne({ user_id: userId }, { projection: { _id: 0 } }), {
      idempotent: true,
      fallback: () => this.cache.users.get(userId),
    });
    if (doc) this.cache.users.set(userId, doc);
    else this.cache.users.delete(userId);
    return doc ? this.user(doc) : null;
  }

  async setBanned(userId: number, banned: boolean): Promise<boolean> {
    checkUserId(userId);
    if (typeof banned !== 'boolean') throw invalidArgument('banned', 'a boolean', banned);
    const res = await this.call('banning a user', () => this.c.users.updateOne({ user_id: userId }, { $set: { is_banned: banned } }), { idempotent: true });
    const cached = this.cache.users.get(userId);
    if (cached) cached.is_banned = banned;
    return res.matchedCount > 0;
  }

  async listUsers(page?: PageRequest): Promise<Page<UserRecord>> {
    const limit = pageLimit(page);
    const after = decodeUserCursor(page?.cursor) ?? 0;
    const docs = await this.call('listing users', () =>
      this.c.users.find({ user_id: { $gt: after } }, { projection: { _id: 0 } }).sort({ user_id: 1 }).limit(limit + 1).toArray(),
    { idempotent: true });
    const items = docs.slice(0, limit).map((d) => this.user(d));
    return { items, nextCursor: docs.length > limit ? encodeUserCursor(items[items.length - 1]!.userId) : null };
  }

  async setUnreachable(userId: number, reason: UnreachableReason | null): Promise<boolean> {
    checkUserId(userId);
    checkUnreachable(reason);
    const res = await this.call('marking a user unreachable', () =>
      this.c.users.updateOne({ user_id: userId }, { $set: { unreachable: reason } }), { idempotent: true });
    const cached = this.cache.users.get(userId);
    if (cached) cached.unreachable = reason;
    return res.matchedCount > 0;
  }

  async countUsers(filter?: UserFilter): Promise<number> {
    const query: Filter<UserDoc> = {};
    if (filter?.banned !== undefined) query.is_banned = filter.banned ? true : { $ne: true };
    // { unreachable: null } also matches documents written before the field existed.
    if (filter?.unreachable !== undefined) query.unreachable = filter.unreachable ? { $ne: null } : null;
    return this.call('counting users', () => this.c.users.countDocuments(query), { idempotent: true });
  }

  userIds(options?: UserIdOptions): AsyncIterable<number> {
    const pageSize = pageLimit({ limit: options?.pageSize ?? 500 });
    return iterateUserIds(async (after, limit) => {
      const query: Filter<UserDoc> = { user_id: { $gt: after } };
      if (!options?.includeBanned) query.is_banned = { $ne: true };
      if (!options?.includeUnreachable) query.unreachable = null;
      const docs = await this.call('listing users', () =>
        this.c.users.find(query, { projection: { _id: 0, user_id: 1 } }).sort({ user_id: 1 }).limit(limit).toArray(),
      { idempotent: true });
      return docs.map((d) => d.user_id);
    }, pageSize);
  }

  // Files

  async registerFile(file: NewFile): Promise<FileRecord> {
    const f = checkNewFile(file);
    const base = newFileFields(f, new Date(this.now()), this.expiredRetentionMs);
    for (let attempt = 0; ; attempt++) {
      const doc: FileDoc = { _id: newPublicId(), ...base };
      try {
        await this.call('registering a new file', () => this.c.files.insertOne(doc), { idempotent: false });
      } catch (err) {
        if (isDuplicateKey(err) && /message_id/.test((err as Error).message)) throw duplicateFile(f.messageId);
        if (isDuplicateKey(err) && attempt < 3) continue;
        throw err;
      }
      this.remember(doc);
      await this.c.users.updateOne({ user_id: f.userId }, { $inc: { files_shared: 1 } }).catch((err) => {
        // The file is registered; a missed files_shared increment is not worth failing the upload for.
        this.log.warn({ err: safeMessage(err) }, 'could not count a shared file');
      });
      return this.file(doc);
    }
  }

  async getFile(id: string, options?: FileReadOptions): Promise<FileRecord | null> {
    this.assertOpen();
    if (!isPublicId(id)) return null;
    const doc = await this.call('reading a file', () => this.c.files.findOne({ _id: id, ...this.visible(options) }), {
      idempotent: true,
      fallback: () => this.cache.files.get(id) ?? undefined,
    });
    return this.fileOrNull(doc, id, options);
  }

  async getFileByMessageId(messageId: number): Promise<FileRecord | null> {
    checkMessageId(messageId);
    const doc = await this.call('reading a file', () => this.c.files.findOne({ message_id: messageId, ...this.visible() }), {
      idempotent: true,
      fallback: () => {
        const id = this.cache.fileIdByMessage.get(messageId);
        return id === undefined ? undefined : this.cache.files.get(id);
      },
    });
    if (!doc) {
      const id = this.cache.fileIdByMessage.get(messageId);
      if (id !== undefined) this.cache.files.delete(id);
    }
    return this.fileOrNull(doc, null);
  }

  async listFilesByUser(userId: number, page?: PageRequest, options?: FileReadOptions): Promise<Page<FileRecord>> {
    checkUserId(userId);
    const limit = pageLimit(page);
    const after = decodeFileCursor(page?.cursor);
    const query: Filter<FileDoc> = { user_id: userId, ...this.visible(options) };
    if (after) {
      query.$and = [{ $or: [{ upload_date: { $lt: after.uploadDate } }, { upload_date: after.uploadDate, _id: { $lt: after.id } }] }];
    }
    const docs = await this.call('listing files', () =>
      this.c.files.find(query).sort({ upload_date: -1, _id: -1 }).limit(limit + 1).toArray(),
    { idempotent: true });
    const items = docs.slice(0, limit).map((d) => this.file(d));
    const last = items[items.length - 1];
    return { items, nextCursor: docs.length > limit && last ? encodeFileCursor(last.uploadDate, last.id) : null };
  }

  async countFiles(filter?: { userId?: number }): Promise<number> {
    const query: Filter<FileDoc> = this.visible();
    if (filter?.userId !== undefined) query.user_id = checkUserId(filter.userId, 'filter.userId');
    return this.call('counting files', () => this.c.files.countDocuments(query), { idempotent: true });
  }

  async revokeFile(id: string): Promise<boolean> {
    checkFileId(id);
    const res = await this.call('revoking a link', () => this.c.files.updateOne({ _id: id, ...this.visible() }, { $set: { revoked: true } }), { idempotent: true });
    const cached = this.cache.files.get(id);
    if (cached) cached.revoked = true;
    return res.matchedCount > 0;
  }

  async deleteFile(id: string): Promise<boolean> {
    checkFileId(id);
    const res = await this.call('deleting a file', () => this.c.files.deleteOne({ _id: id }), { idempotent: true });
    this.cache.files.delete(id);
    return res.deletedCount > 0;
  }

  /**
   * The public id is the document's _id, which cannot change, and message_id is unique, so the new document can only
   * be inserted once the old one is gone. findOneAndDelete is the atomic step: of two renewals one gets the document.
   * Without a transaction (a standalone server has none) the insert can still fail after it; the old document is
   * then put back, and if even that fails it is logged so the file can be registered again.
   */
  async renewFile(id: string, expiresAt: Date | null): Promise<FileRecord | null> {
    checkFileId(id);
    const expiry = checkExpiresAt(expiresAt);
    // Not retried: after a dropped connection a second delete would find nothing and lose the document it removed.
    const old = await this.call('renewing a link', () =>
      this.c.files.findOneAndDelete({ _id: id, ...this.visible({ includeExpired: true }) }), { idempotent: false });
    this.cache.files.delete(id);
    if (!old) return null;
    try {
      const doc = await this.#insertRenewed(old, expiry);
      this.counters.moveFileCounts(id, doc._id);
      this.remember(doc);
      return this.file(doc);
    } catch (err) {
      await this.c.files.insertOne(old).catch((restoreErr: unknown) => {
        this.log.error({ err: safeMessage(restoreErr), id, messageId: old.message_id, userId: old.user_id, fileName: old.file_name },
          'a file could not be written back after a failed renewal; register its log message again');
      });
      throw err;
    }
  }

  async #insertRenewed(old: FileDoc, expiresAt: Date | null): Promise<FileDoc> {
    for (let attempt = 0; ; attempt++) {
      const doc = renewedFileDoc(old, newPublicId(), expiresAt, this.expiredRetentionMs);
      try {
        // Safe to retry: a second insert of the same _id after a dropped connection fails as a duplicate, below.
        await this.call('renewing a link', () => this.c.files.insertOne(doc), { idempotent: true });
        return doc;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const landed = await this.c.files.findOne({ _id: doc._id });
        if (landed?.message_id === old.message_id) return doc;
        // Otherwise the fresh id collided with another file's (72 random bits: in theory only); draw again.
        if (attempt >= 3 || /message_id/.test((err as Error).message)) throw err;
      }
    }
  }

  // Sessions

  async getSession(botId: string): Promise<string | null> {
    checkKey(botId, 'botId', 64);
    const session = await this.call('reading a session', async () => (await this.c.sessions.findOne({ _id: botId }))?.session ?? null, {
      idempotent: true,
      fallback: () => this.cache.sessions.get(botId),
    });
    if (session === null) this.cache.sessions.delete(botId);
    else this.cache.sessions.set(botId, session);
    return session;
  }

  async saveSession(botId: string, session: string): Promise<void> {
    checkKey(botId, 'botId', 64);
    checkKey(session, 'session', 64 * 1024);
    await this.call('saving a session', () => this.c.sessions.updateOne(
      { _id: botId }, { $set: { session, updated_at: new Date(this.now()) } }, { upsert: true },
    ), { idempotent: true });
    this.cache.sessions.set(botId, session);
  }

  async deleteSession(botId: string): Promise<boolean> {
    checkKey(botId, 'botId', 64);
    const res = await this.call('deleting a session', () => this.c.sessions.deleteOne({ _id: botId }), { idempotent: true });
    this.cache.sessions.delete(botId);
    return res.deletedCount > 0;
  }

  // Settings

  async getSetting<T extends JsonValue = JsonValue>(key: string): Promise<T | null> {
    checkKey(key, 'key');
    const json = await this.call('reading a setting', async () => (await this.c.settings.findOne({ _id: key }))?.value_json ?? null, {
      idempotent: true,
      fallback: () => this.cache.settings.get(key),
    });
    if (json === null) this.cache.settings.delete(key);
    else this.cache.settings.set(key, json);
    return json === null ? null : (JSON.parse(json) as T);
  }

  async setSetting(key: string, value: JsonValue): Promise<void> {
    checkKey(key, 'key');
    const json = checkJson(value);
    await this.call('saving a setting', () => this.c.settings.updateOne(
      { _id: key }, { $set: { value_json: json, updated_at: new Date(this.now()) } }, { upsert: true },
    ), { idempotent: true });
    this.cache.settings.set(key, json);
  }

  // Maintenance

  async sweepExpired(): Promise<SweepResult> {
    const now = new Date(this.now());
    // The TTL index removes files at purge_at; this also covers documents written before purge_at existed.
    const kept = new Date(now.getTime() - this.expiredRetentionMs);
    const files = await this.call('sweeping expired files', () => this.c.files.deleteMany({
      $or: [{ purge_at: { $lt: now } }, { purge_at: { $exists: false }, expires_at: { $ne: null, $lt: kept } }],
    }), { idempotent: true });
    const windows = await this.call('sweeping rate windows', () => this.c.rateWindows.deleteMany({ expires_at: { $lte: now } }), { idempotent: true });
    const slidingWindows = await this.sweepSlidingWindows(now);
    return { files: files.deletedCount, rateWindows: windows.deletedCount, slidingWindows };
  }
}
