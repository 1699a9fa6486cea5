// Embedded backend: one SQLite file in WAL mode. Every counter is an UPSERT (`count = count + 1` in SQL), never a
// read-modify-write in JavaScript, so several processes on one file lose no update; busy_timeout makes a writer wait
// for another's lock instead of failing at once.

import Database from 'better-sqlite3';
import { BufferedStore } from '../buffered-store.ts';
import type { CounterBatch } from '../counter-buffer.ts';
import { duplicateFile, invalidArgument, isStoreError, unavailable } from '../errors.ts';
import { isPublicId, newLinkSecret, newPublicId } from '../../links/index.ts';
import { iterateUserIds, windowBounds, windowHit } from '../shared.ts';
import { checkSlidingWindow, checkTakenAt } from '../sliding-window.ts';
import type {
  FileReadOptions, FileRecord, JsonValue, NewFile, Page, PageRequest, SlidingWindowHit, Store, StoreConfig, SweepResult, UnreachableReason,
  UserFilter, UserIdOptions, UserProfile, UserRecord, WindowHit,
} from '../types.ts';
import {
  checkExpiresAt, checkFileId, checkJson, checkKey, checkMessageId, checkNewFile, checkProfile, checkUnreachable, checkUserId, checkWindow,
  decodeFileCursor, decodeUserCursor, encodeFileCursor, encodeUserCursor, pageLimit,
} from '../validate.ts';
import { migrate } from './migrations.ts';
import { sqlitePath } from './path.ts';
import { toFileRecord, toUserRecord, type FileRow, type UserRow } from './rows.ts';
import { prepareStatements, type Statements } from './statements.ts';
import { SqliteSlidingWindows } from './windows.ts';

const GLOBAL_USER = 0;

export class SqliteStore extends BufferedStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #stmt: Statements;
  readonly #windows: SqliteSlidingWindows;

  constructor(config: StoreConfig = {}) {
    super(config, 'sqlite');
    this.#db = new Database(sqlitePath(config.dataDir ?? './data'));
    try {
      this.#db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(config.busyTimeoutMs ?? 5000))}`);
      this.#db.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commits.
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('foreign_keys = ON');
      migrate(this.#db);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    this.#stmt = prepareStatements(this.#db);
    this.#windows = new SqliteSlidingWindows(this.#db);
    this.startTimers();
  }

  // Users

  async upsertUser(profile: UserProfile): Promise<UserRecord> {
    const p = checkProfile(profile);
    const row = this.#write('recording a user', () => this.#stmt.upsertUser.get({
      userId: p.userId,
      username: p.username ?? null,
      firstName: p.firstName ?? null,
      keepUsername: p.username === undefined ? 1 : 0,
      keepFirstName: p.firstName === undefined ? 1 : 0,
      now: this.now(),
    }))!;
    return this.#user(row);
  }

  async getUser(userId: number): Promise<UserRecord | null> {
    checkUserId(userId);
    this.assertOpen();
    const row = this.#stmt.getUser.get(userId);
    return row ? this.#user(row) : null;
  }

  async setBanned(userId: number, banned: boolean): Promise<boolean> {
    checkUserId(userId);
    if (typeof banned !== 'boolean') throw invalidArgument('banned', 'a boolean', banned);
    return this.#write('banning a user', () => this.#stmt.setBanned.run(banned ? 1 : 0, userId).changes > 0);
  }

  async listUsers(page?: PageRequest): Promise<Page<UserRecord>> {
    const limit = pageLimit(page);
    const after = decodeUserCursor(page?.cursor) ?? 0;
    this.assertOpen();
    const rows = this.#stmt.listUsers.all(after, limit + 1);
    const items = rows.slice(0, limit).map((r) => this.#user(r));
    return { items, nextCursor: rows.length > limit ? encodeUserCursor(items[items.length - 1]!.userId) : null };
  }

  async setUnreachable(userId: number, reason: UnreachableReason | null): Promise<boolean> {
    checkUserId(userId);
    checkUnreachable(reason);
    return this.#write('marking a user unreachable', () => this.#stmt.setUnreachable.run(reason, userId).changes > 0);
  }

  async countUsers(filter?: UserFilter): Promise<number> {
    this.assertOpen();
    const flag = (v: boolean | undefined) => (v === undefined ? null : v ? 1 : 0);
    return this.#stmt.countUsers.get({ banned: flag(filter?.banned), unreachable: flag(filter?.unreachable) })!.n;
  }

  userIds(options?: UserIdOptions): AsyncIterable<number> {
    const includeBanned = options?.includeBanned ? 1 : 0;
    const includeUnreachable = options?.includeUnreachable ? 1 : 0;
    const pageSize = pageLimit({ limit: options?.pageSize ?? 500 });
    return iterateUserIds(async (after, limit) => {
      this.assertOpen();
      return this.#stmt.userIds.all({ after, includeBanned, includeUnreachable, limit }).map((r) => r.user_id);
    }, pageSize);
  }

  // Files

  async registerFile(file: NewFile): Promise<FileRecord> {
    const f = checkNewFile(file);
    const uploadDate = this.now();
    const secret = newLinkSecret();
    const insert = this.#db.transaction((id: string) => {
      this.#stmt.insertFile.run({
        id, secret, messageId: f.messageId, userId: f.userId, fileName: f.fileName, fileSize: f.fileSize,
        fileType: f.fileType, mimeType: f.mimeType, isVideo: f.isVideo ? 1 : 0, title: f.title, uploadDate,
        expiresAt: f.expiresAt ? f.expiresAt.getTime() : null,
      });
      this.#stmt.countShared.run(f.userId);
    });
    for (let attempt = 0; ; attempt++) {
      const id = newPublicId();
      try {
        this.#write('registering a new file', () => insert(id));
        // Read back without the expiry filter: a file registered with a past expiresAt still gets its record.
        return this.#file(this.#stmt.getFileAnyState.get(id)!);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'SQLITE_CONSTRAINT_UNIQUE' && /files\.message_id/.test((err as Error).message)) throw duplicateFile(f.messageId);
        // A public id collision (72 random bits) is possible only in theory; a fresh id fixes it.
        if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && attempt < 3) continue;
        throw err;
      }
    }
  }

  async getFile(id: string, options?: FileReadOptions): Promise<FileRecord | null> {
    this.assertOpen();
    if (!isPublicId(id)) return null;
    const row = this.#stmt.getFile.get({ id, from: this.#shownFrom(options) });
    return row ? this.#file(row) : null;
  }

  async getFileByMessageId(messageId: number): Promise<FileRecord | null> {
    checkMessageId(messageId);
    this.assertOpen();
    const row = this.#stmt.getFileByMessage.get({ messageId, from: this.#shownFrom() });
    return row ? this.#file(row) : null;
  }

  async listFilesByUser(userId: number, page?: PageRequest, options?: FileReadOptions): Promise<Page<FileRecord>> {
    checkUserId(userId);
    const limit = pageLimit(page);
    const after = decodeFileCursor(page?.cursor);
    this.assertOpen();
    const params = { userId, from: this.#shownFrom(options), limit: limit + 1 };
    const rows = after
      ? this.#stmt.filesNextPage.all({ ...params, date: after.uploadDate.getTime(), id: after.id })
      : this.#stmt.filesFirstPage.all(params);
    const items = rows.slice(0, limit).map((r) => this.#file(r));
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodeFileCursor(last.uploadDate, last.id) : null };
  }

  async countFiles(filter?: { userId?: number }): Promise<number> {
    const from = this.#shownFrom();
    if (filter?.userId === undefined) {
      this.assertOpen();
      return this.#stmt.countFiles.get({ from })!.n;
    }
    const userId = checkUserId(filter.userId, 'filter.userId');
    this.assertOpen();
    return this.#stmt.countUserFiles.get({ userId, from })!.n;
  }

  async revokeFile(id: string): Promise<boolean> {
    checkFileId(id);
    return this.#write('revoking a link', () => this.#stmt.revokeFile.run({ id, from: this.#shownFrom() }).changes > 0);
  }

  async renewFile(id: string, expiresAt: Date | null): Promise<FileRecord | null> {
    checkFileId(id);
    const expiry = checkExpiresAt(expiresAt);
    const from = this.#shownFrom({ includeExpired: true });
    for (let attempt = 0; ; attempt++) {
      const newId = newPublicId();
      try {
        const row = this.#write('renewing a link', () =>
          this.#stmt.renewFile.get({ id, newId, from, expiresAt: expiry ? expiry.getTime() : null }));
        if (!row) return null;
        this.counters.moveFileCounts(id, newId);
        return this.#file(row);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && attempt < 3) continue;
        throw err;
      }
    }
  }

  async deleteFile(id: string): Promise<boolean> {
    checkFileId(id);
    return this.#write('deleting a file', () => this.#stmt.deleteFile.run(id).changes > 0);
  }

  // Bandwidth

  protected async storedUsage(month: string, userId: number | null): Promise<number> {
    this.assertOpen();
    return this.#stmt.getBandwidth.get(month, userId ?? GLOBAL_USER)?.bytes ?? 0;
  }

  protected writeCounters(batch: CounterBatch): void {
    this.#write('writing counters', () => this.#db.transaction(() => {
      for (const d of batch.bandwidth) {
        this.#stmt.addBandwidth.run(d.month, d.userId ?? GLOBAL_USER, d.bytes);
        if (d.userId !== null) this.#stmt.addUserBandwidth.run(d.bytes, d.userId);
      }
      for (const f of batch.files) this.#stmt.addFileCounts.run(f.downloads, f.streams, f.id);
    })());
  }

  // Rate limits

  async hitWindow(key: string, windowMs: number, limit: number): Promise<WindowHit> {
    checkWindow(key, windowMs, limit);
    const now = this.now();
    const { start, end } = windowBounds(now, windowMs);
    try {
      const row = this.#write('counting a rate-limit hit', () => this.#stmt.hitWindow.get(key, start, end))!;
      return windowHit(row.count, limit, end);
    } catch (err) {
      if (!isStoreError(err, 'SB_ERR_STORE_UNAVAILABLE')) throw err;
      // Locked past busy_timeout: answer from this process rather than fail the request.
      return windowHit(this.memoryWindows.hit(key, windowMs, now).count, limit, end);
    }
  }

  async takeSlidingWindow(key: string, windowMs: number, limit: number): Promise<SlidingWindowHit> {
    checkSlidingWindow(key, windowMs, limit);
    return this.#write('taking a sliding-window slot', () => this.#windows.take(key, windowMs, limit, this.now()));
  }

  async releaseSlidingWindow(key: string, takenAt: Date): Promise<boolean> {
    checkKey(key, 'key', 512);
    const at = checkTakenAt(takenAt);
    return this.#write('releasing a sliding-window slot', () => this.#windows.release(key, at));
  }

  async peekSlidingWindow(key: string, windowMs: number, limit: number): Promise<Omit<SlidingWindowHit, 'takenAt'>> {
    checkSlidingWindow(key, windowMs, limit);
    this.assertOpen();
    return this.#windows.peek(key, windowMs, limit, this.now());
  }

  // Sessions

  async getSession(botId: string): Promise<string | null> {
    checkKey(botId, 'botId', 64);
    this.assertOpen();
    return this.#stmt.getSession.get(botId)?.session ?? null;
  }

  async saveSession(botId: string, session: string): Promise<void> {
    checkKey(botId, 'botId', 64);
    checkKey(session, 'session', 64 * 1024);
    this.#write('saving a session', () => this.#stmt.saveSession.run(botId, session, this.now()));
  }

  async deleteSession(botId: string): Promise<boolean> {
    checkKey(botId, 'botId', 64);
    return this.#write('deleting a session', () => this.#stmt.deleteSession.run(botId).changes > 0);
  }

  // Settings

  async getSetting<T extends JsonValue = JsonValue>(key: string): Promise<T | null> {
    checkKey(key, 'key');
    this.assertOpen();
    const row = this.#stmt.getSetting.get(key);
    return row ? (JSON.parse(row.value_json) as T) : null;
  }

  async setSetting(key: string, value: JsonValue): Promise<void> {
    checkKey(key, 'key');
    const json = checkJson(value);
    this.#write('saving a setting', () => this.#stmt.setSetting.run(key, json, this.now()));
  }

  // Maintenance

  async sweepExpired(): Promise<SweepResult> {
    const now = this.now();
    return this.#write('sweeping expired rows', () => ({
      files: this.#stmt.sweepFiles.run({ from: now - this.expiredRetentionMs }).changes,
      rateWindows: this.#stmt.sweepWindows.run(now).changes,
      slidingWindows: this.#windows.sweep(now),
    }));
  }

  // Internals

  protected disconnect(): void {
    this.#db.close();
  }

  protected describeError(err: unknown): string {
    return err instanceof Error ? `${(err as { code?: string }).code ?? err.name}: ${err.message}` : String(err);
  }

  /** Runs a write; a lock held past busy_timeout becomes SB_ERR_STORE_UNAVAILABLE and marks the store degraded. */
  #write<T>(what: string, fn: () => T): T {
    this.assertOpen();
    try {
      const result = fn();
      this.degraded = false;
      return result;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY)/.test(code)) {
        this.degraded = true;
        this.lastError = `${code}: ${(err as Error).message}`;
        throw unavailable(what, err);
      }
      throw err;
    }
  }

  #user(r: UserRow): UserRecord {
    return toUserRecord(r, this.counters.pendingUserBytes(r.user_id));
  }

  /** Lower bound of expires_at for a file to be shown (see statements.ts): live links only, or also the expired
   *  files still kept for renewal. */
  #shownFrom(options?: FileReadOptions): number {
    const now = this.now();
    return options?.includeExpired ? now - this.expiredRetentionMs : now + 1;
  }

  #file(r: FileRow): FileRecord {
    return toFileRecord(r, this.counters.pendingFile(r.public_id), this.now());
  }
}
