// Mapping between the MongoDB documents and the records the Store interface returns, in both directions.

import { newLinkSecret } from '../../links/index.ts';
import type { FileRecord, NewFile, UserRecord } from '../types.ts';
import type { checkProfile } from '../validate.ts';
import type { FileDoc, UserDoc } from './collections.ts';

/** The $set and $setOnInsert of a user upsert: an absent name is kept, a new user starts with zeroed counters, and a
 *  user who writes again is reachable again. */
export function userUpsert(p: ReturnType<typeof checkProfile>, now: Date): { set: Partial<UserDoc>; onInsert: Partial<UserDoc> } {
  const set: Partial<UserDoc> = { last_active: now, unreachable: null };
  const onInsert: Partial<UserDoc> = { join_date: now, bandwidth_used: 0, files_shared: 0, is_banned: false };
  if (p.username !== undefined) set.username = p.username;
  else onInsert.username = null;
  if (p.firstName !== undefined) set.first_name = p.firstName;
  else onInsert.first_name = null;
  return { set, onInsert };
}

/** When the TTL index removes a file: retentionMs after its link expired, so it can be renewed until then. */
export const purgeAt = (expiresAt: Date | null, retentionMs: number): Date | null =>
  expiresAt === null ? null : new Date(expiresAt.getTime() + retentionMs);

/** Everything of a new file's document but its public id, which is drawn again if it collides. */
export function newFileFields(f: Required<NewFile>, uploadDate: Date, retentionMs: number): Omit<FileDoc, '_id'> {
  return {
    message_id: f.messageId, user_id: f.userId, file_name: f.fileName, file_size: f.fileSize, file_type: f.fileType,
    mime_type: f.mimeType, is_video: f.isVideo, title: f.title, upload_date: uploadDate, download_count: 0, stream_count: 0,
    expires_at: f.expiresAt, purge_at: purgeAt(f.expiresAt, retentionMs), link_secret: newLinkSecret(), revoked: false,
  };
}

/** The same stored file under a new public id and expiry, as a new link: not revoked. */
export function renewedFileDoc(old: FileDoc, id: string, expiresAt: Date | null, retentionMs: number): FileDoc {
  return { ...old, _id: id, expires_at: expiresAt, purge_at: purgeAt(expiresAt, retentionMs), revoked: false };
}

/** pendingBytes: this instance's bandwidth not yet flushed, so a user sees their own traffic at once. */
export function toUserRecord(d: UserDoc, pendingBytes: number): UserRecord {
  return {
    userId: d.user_id,
    username: d.username ?? null,
    firstName: d.first_name ?? null,
    joinDate: d.join_date,
    lastActive: d.last_active,
    bandwidthUsed: (d.bandwidth_used ?? 0) + pendingBytes,
    filesShared: d.files_shared ?? 0,
    isBanned: d.is_banned === true,
    unreachable: d.unreachable ?? null,
  };
}

/** pending: this instance's download and stream counts not yet flushed; now: the store's clock, for `expired`. */
export function toFileRecord(d: FileDoc, pending: { downloads: number; streams: number }, now: number): FileRecord {
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
    title: d.title ?? null,
    uploadDate: d.upload_date,
    downloadCount: (d.download_count ?? 0) + pending.downloads,
    streamCount: (d.stream_count ?? 0) + pending.streams,
    expiresAt: d.expires_at ?? null,
    expired: !!d.expires_at && d.expires_at.getTime() <= now,
    revoked: d.revoked === true,
  };
}
