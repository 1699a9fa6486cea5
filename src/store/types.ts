// The one storage interface StreamBot talks to. Two backends implement it: SQLite (embedded default) and MongoDB
// (when DATABASE_URL is set). Persisted field names follow the original MongoDB collections (user_id, file_name, ...);
// the TypeScript surface is camelCase.

import type { Logger } from 'pino';
import type { MongoClientOptions } from 'mongodb';

export type BackendName = 'sqlite' | 'mongodb';

/** Why the bot cannot message a user: they blocked it, or their account was deleted. */
export type UnreachableReason = 'blocked' | 'deactivated';

export interface UserRecord {
  userId: number;
  username: string | null;
  firstName: string | null;
  joinDate: Date;
  lastActive: Date;
  /** Lifetime bytes served to this user (flushed counters plus this instance's pending ones). */
  bandwidthUsed: number;
  filesShared: number;
  isBanned: boolean;
  /** Set when a message to the user failed for good; cleared when the user writes to the bot again. */
  unreachable: UnreachableReason | null;
}

/** What a Telegram update tells us about a user. `undefined` keeps the stored value, `null` clears it. */
export interface UserProfile {
  userId: number;
  username?: string | null;
  firstName?: string | null;
}

/** A file as Telegram describes it: what registering gives and what the stored record keeps. */
export interface FileMetadata {
  /** Message id of the copy in the log channel; unique per store. */
  messageId: number;
  userId: number;
  fileName: string;
  fileSize: number;
  /** Telegram media kind: document, video, audio, photo, ... */
  fileType: string;
  mimeType: string;
  isVideo: boolean;
  /** What the sender called the file (their caption); absent or null for none. At most 1024 characters. */
  title?: string | null;
}

export interface NewFile extends FileMetadata {
  /** When the link stops working; null or absent for never. */
  expiresAt?: Date | null;
}

export interface FileRecord extends FileMetadata {
  /** Always present on a record: null when the file was registered without one. */
  title: string | null;
  /** Public id used in URLs (12 base64url characters). */
  id: string;
  /** Random link secret; compare with linkSecretMatches(), never with ===. */
  secret: string;
  uploadDate: Date;
  downloadCount: number;
  streamCount: number;
  expiresAt: Date | null;
  /** expiresAt has passed at the store's clock: the link answers 410 and can be renewed (renewFile). */
  expired: boolean;
  revoked: boolean;
}

export interface FileReadOptions {
  /** Also return files whose link expired and that are still kept (within expiredRetentionMs of expiresAt). */
  includeExpired?: boolean;
}

export interface PageRequest {
  /** nextCursor from the previous page; absent or null for the first page. */
  cursor?: string | null;
  /** 1..1000, default 50. */
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** Opaque; null when there is nothing after this page. */
  nextCursor: string | null;
}

export interface MonthlyUsage {
  /** 'YYYY-MM' in UTC. */
  month: string;
  /** null for the global total. */
  userId: number | null;
  bytes: number;
}

export interface WindowHit {
  /** count <= limit. Denied hits are counted too, so count reports attempts in this window. */
  allowed: boolean;
  count: number;
  limit: number;
  /** Start of the next window. */
  resetAt: Date;
}

export interface SlidingWindowHit {
  /** A slot was taken. */
  allowed: boolean;
  /** Entries in the window after this call (taken ones only; refusals are not stored). */
  count: number;
  limit: number;
  /** When a refused caller may try again: the moment enough old entries have left the window for one slot to be
   *  free (the oldest one, unless the limit was lowered); null when allowed. */
  retryAt: Date | null;
  /** The taken entry's time, to pass to releaseSlidingWindow; null when refused. */
  takenAt: Date | null;
}

export interface StoreHealth {
  backend: BackendName;
  /** True while the database is unreachable and the store serves known records and counters from memory. */
  degraded: boolean;
  /** Counter increments (bandwidth entries and file counters) waiting to be written. */
  pendingCounters: number;
  /** Message of the last database failure, without connection strings. */
  lastError: string | null;
}

export interface SweepResult {
  files: number;
  rateWindows: number;
  /** Expired sliding-window records removed: entries on SQLite, keys whose every entry expired on MongoDB. */
  slidingWindows: number;
}

export interface UserFilter {
  banned?: boolean;
  /** true: only users marked unreachable; false: only reachable ones. */
  unreachable?: boolean;
}

export interface UserIdOptions {
  /** Banned users are skipped unless true. */
  includeBanned?: boolean;
  /** Users marked unreachable are skipped unless true. */
  includeUnreachable?: boolean;
  /** Ids fetched per round trip, 1..1000 (default 500). */
  pageSize?: number;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface Store {
  readonly backend: BackendName;

  // Users
  /** Called on every incoming message: creates the user (join date = now) or refreshes names and last_active, and
   *  clears `unreachable` (the user wrote to the bot again). */
  upsertUser(profile: UserProfile): Promise<UserRecord>;
  getUser(userId: number): Promise<UserRecord | null>;
  /** Resolves false when the user is unknown. */
  setBanned(userId: number, banned: boolean): Promise<boolean>;
  /** Ordered by user id. */
  listUsers(page?: PageRequest): Promise<Page<UserRecord>>;
  /** Resolves false when the user is unknown. null marks the user reachable again. */
  setUnreachable(userId: number, reason: UnreachableReason | null): Promise<boolean>;
  countUsers(filter?: UserFilter): Promise<number>;
  /** Every user id in ascending order, fetched page by page (for broadcasts). Banned and unreachable users are
   *  skipped by default. */
  userIds(options?: UserIdOptions): AsyncIterable<number>;

  // Files
  /** Rejects with SB_ERR_STORE_DUPLICATE_FILE when messageId is already registered,
   *  SB_ERR_STORE_UNAVAILABLE when the database is unreachable. */
  registerFile(file: NewFile): Promise<FileRecord>;
  /** Expired files are invisible unless options.includeExpired (then returned with expired = true); revoked files
   *  are returned with revoked = true. A malformed public id resolves null (ids come from URLs). */
  getFile(id: string, options?: FileReadOptions): Promise<FileRecord | null>;
  getFileByMessageId(messageId: number): Promise<FileRecord | null>;
  /** Newest first; expired files are left out unless options.includeExpired. A nextCursor is at most 40 ASCII
   *  characters, so it fits in Telegram callback data (64 bytes) with a prefix. */
  listFilesByUser(userId: number, page?: PageRequest, options?: FileReadOptions): Promise<Page<FileRecord>>;
  /** Files not expired (revoked ones included), of one user or of everyone. */
  countFiles(filter?: { userId?: number }): Promise<number>;
  /** Resolves false when the file is unknown or expired. */
  revokeFile(id: string): Promise<boolean>;
  deleteFile(id: string): Promise<boolean>;
  /** Gives a stored file (expired or not, revoked or not) a new link: a new random public id, this expiry (null for
   *  never) and revoked = false; the old id stops resolving. Counters, title, owner, message id and secret stay.
   *  Resolves null when the id is unknown or its record is past retention. Atomic: of two concurrent renewals of one
   *  id, one wins and the other resolves null. */
  renewFile(id: string, expiresAt: Date | null): Promise<FileRecord | null>;
  /** Buffered like bandwidth; counts for files deleted before the flush are dropped. */
  incrementDownloads(id: string): Promise<void>;
  incrementStreams(id: string): Promise<void>;

  // Bandwidth
  /** Hot path: buffered in memory, written every flushIntervalMs and on close. Counts toward the global total
   *  and, when userId is given, toward that user's month and lifetime total. */
  recordBytes(userId: number | null, bytes: number): void;
  /** Usage for one month (default: the current UTC month), global when userId is null or absent.
   *  Includes this instance's unflushed bytes. */
  getMonthlyUsage(userId?: number | null, month?: string): Promise<MonthlyUsage>;
  /** Writes buffered counters now. */
  flush(): Promise<void>;

  // Rate limits
  /** Fixed window: counts one hit for `key` in the window of length windowMs containing now. Atomic across
   *  instances sharing the database. */
  hitWindow(key: string, windowMs: number, limit: number): Promise<WindowHit>;

  /** Sliding window: takes one slot for `key` if fewer than `limit` entries are younger than windowMs (an entry
   *  taken exactly windowMs ago is outside). Atomic across instances sharing the database. */
  takeSlidingWindow(key: string, windowMs: number, limit: number): Promise<SlidingWindowHit>;
  /** Gives back one slot taken at `takenAt` (the work it paid for failed). Resolves false when none matched.
   *  Entries sharing a millisecond are released one at a time. */
  releaseSlidingWindow(key: string, takenAt: Date): Promise<boolean>;
  /** Entries in the window now, without taking one (for /stats and messages). */
  peekSlidingWindow(key: string, windowMs: number, limit: number): Promise<Omit<SlidingWindowHit, 'takenAt'>>;

  // Sessions (secret: never log them)
  getSession(botId: string): Promise<string | null>;
  saveSession(botId: string, session: string): Promise<void>;
  deleteSession(botId: string): Promise<boolean>;

  // Settings
  getSetting<T extends JsonValue = JsonValue>(key: string): Promise<T | null>;
  setSetting(key: string, value: JsonValue): Promise<void>;

  // Maintenance
  /** Deletes files whose expiry is older than expiredRetentionMs, finished rate windows and expired sliding-window entries (MongoDB also does this with
   *  TTL indexes). */
  sweepExpired(): Promise<SweepResult>;
  health(): StoreHealth;
  /** Flushes buffered counters and closes the connection. Idempotent. */
  close(): Promise<void>;
}

export interface StoreConfig {
  /** MongoDB connection string (DATABASE_URL). When set, the MongoDB backend is used. */
  databaseUrl?: string | null;
  /** MongoDB database name (DATABASE_NAME); required with databaseUrl. */
  databaseName?: string | null;
  /** Directory of the SQLite file <dataDir>/streambot.db (default ./data), or ':memory:'. */
  dataDir?: string;
  /** Clock in epoch milliseconds; injectable so month rollover and expiry can be tested. */
  now?: () => number;
  /** How often buffered counters are written (default 2000 ms). */
  flushIntervalMs?: number;
  /** How long a file whose link expired is kept so that it can be renewed, in ms after expiresAt (default 30 days). */
  expiredRetentionMs?: number;
  /** How often expired rows are swept (default 10 minutes; 0 disables). */
  sweepIntervalMs?: number;
  /** SQLite: how long a write waits for another connection's lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** MongoDB: how often an unreachable database is probed (default 1000 ms). */
  probeIntervalMs?: number;
  /** MongoDB: extra driver options (pool size, timeouts). */
  mongoOptions?: MongoClientOptions;
  /** MongoDB: records kept in memory for serving known files and users during an outage (default 10000). */
  fallbackCacheSize?: number;
  logger?: Logger;
}
