// Document shapes and indexes of the MongoDB backend. Field names are those of the original StreamBot collections
// (users, files, bandwidth_usage) so an existing database keeps working.

import { MongoServerError, type Collection, type Db, type Document, type IndexDescription } from 'mongodb';
import type { UnreachableReason } from '../types.ts';

export interface UserDoc {
  user_id: number;
  username: string | null;
  first_name: string | null;
  join_date: Date;
  last_active: Date;
  bandwidth_used: number;
  files_shared: number;
  is_banned: boolean;
  /** Absent on documents written before it existed: read as null. */
  unreachable?: UnreachableReason | null;
}

export interface FileDoc {
  /** The public id. */
  _id: string;
  message_id: number;
  user_id: number;
  file_name: string;
  file_size: number;
  file_type: string;
  mime_type: string;
  is_video: boolean;
  /** The sender's caption. Absent on documents written before it existed: read as null. */
  title?: string | null;
  upload_date: Date;
  download_count: number;
  stream_count: number;
  /** When the link stops working; null never expires. */
  expires_at: Date | null;
  /** When the record is deleted (TTL index): expires_at plus the retention that keeps an expired file renewable;
   *  null with expires_at null. Absent on documents written before it existed: sweepExpired removes those. */
  purge_at?: Date | null;
  link_secret: string;
  revoked: boolean;
}

export interface BandwidthDoc {
  /** `${month}|${user_id}` or `${month}|*` for the global total: a fixed key makes concurrent upserts safe. */
  _id: string;
  month: string;
  user_id: number | null;
  bytes: number;
}

export interface RateWindowDoc {
  /** `${key}|${window start ms}` */
  _id: string;
  key: string;
  window_start: Date;
  count: number;
  expires_at: Date;
}

export interface SlidingWindowDoc {
  /** The window's key: one document per key, so a take is one atomic findOneAndUpdate. */
  _id: string;
  /** When each slot was taken; entries older than the window stay until the next take or release drops them. */
  entries: Date[];
  /** Whether the last take got a slot: set by the same update that decides it. */
  taken: boolean;
  /** When the newest entry leaves its window, for the TTL index. */
  expires_at: Date;
}

export interface SessionDoc {
  _id: string;
  session: string;
  updated_at: Date;
}

export interface SettingDoc {
  _id: string;
  /** JSON text, so keys starting with '$' or containing '.' survive. */
  value_json: string;
  updated_at: Date;
}

export const bandwidthId = (month: string, userId: number | null) => `${month}|${userId ?? '*'}`;

export function collections(db: Db) {
  return {
    users: db.collection<UserDoc>('users'),
    files: db.collection<FileDoc>('files'),
    bandwidth: db.collection<BandwidthDoc>('bandwidth_usage'),
    rateWindows: db.collection<RateWindowDoc>('rate_limits'),
    slidingWindows: db.collection<SlidingWindowDoc>('sliding_windows'),
    sessions: db.collection<SessionDoc>('sessions'),
    settings: db.collection<SettingDoc>('settings'),
  };
}

export type Collections = ReturnType<typeof collections>;

const INDEXES: Record<keyof Collections, IndexDescription[]> = {
  users: [{ key: { user_id: 1 }, name: 'user_id_unique', unique: true }],
  files: [
    { key: { message_id: 1 }, name: 'message_id_unique', unique: true },
    { key: { user_id: 1, upload_date: -1, _id: -1 }, name: 'files_by_user_date' },
    // Documents whose purge_at is null or missing are ignored by TTL indexes, so they are never removed by it.
    // This index was once on expires_at (removing a file the moment its link expired); see dropChangedIndexes.
    { key: { purge_at: 1 }, name: 'files_ttl', expireAfterSeconds: 0 },
  ],
  bandwidth: [{ key: { month: 1, user_id: 1 }, name: 'bandwidth_by_month_user' }],
  rateWindows: [{ key: { expires_at: 1 }, name: 'rate_limits_ttl', expireAfterSeconds: 0 }],
  slidingWindows: [{ key: { expires_at: 1 }, name: 'sliding_windows_ttl', expireAfterSeconds: 0 }],
  sessions: [],
  settings: [],
};

/** createIndexes is a no-op for an index that already exists with the same options, so this runs at every start. */
export async function ensureIndexes(c: Collections): Promise<void> {
  for (const [name, indexes] of Object.entries(INDEXES) as [keyof Collections, IndexDescription[]][]) {
    if (!indexes.length) continue;
    // Index commands do not depend on the document type.
    const coll = c[name] as unknown as Collection<Document>;
    await dropChangedIndexes(coll, indexes);
    await coll.createIndexes(indexes);
  }
}

// https://www.mongodb.com/docs/manual/reference/error-codes/
const NAMESPACE_NOT_FOUND = 26;
const INDEX_NOT_FOUND = 27;

/** An index that kept its name but changed its keys must be dropped first: createIndexes refuses a name that exists
 *  with other keys (IndexKeySpecsConflict). Several instances may start at once, so one that finds the index already
 *  dropped by another carries on. */
async function dropChangedIndexes(coll: Collection<Document>, wanted: IndexDescription[]): Promise<void> {
  let existing: Document[];
  try {
    existing = await coll.indexes();
  } catch (err) {
    if (err instanceof MongoServerError && err.code === NAMESPACE_NOT_FOUND) return;
    throw err;
  }
  for (const index of wanted) {
    const old = existing.find((i) => i.name === index.name);
    if (!old || sameKeys(old.key as Document, index.key as Document)) continue;
    await coll.dropIndex(index.name!).catch((err: unknown) => {
      if (!(err instanceof MongoServerError && err.code === INDEX_NOT_FOUND)) throw err;
    });
  }
}

const sameKeys = (a: Document, b: Document): boolean =>
  JSON.stringify(Object.entries(a).map(([k, v]) => [k, Number(v)])) === JSON.stringify(Object.entries(b).map(([k, v]) => [k, Number(v)]));
