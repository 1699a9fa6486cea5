// Rows of the embedded database and the records the Store interface returns for them.

import type { FileRecord, UnreachableReason, UserRecord } from '../types.ts';

export interface UserRow {
  user_id: number; username: string | null; first_name: string | null; join_date: number; last_active: number;
  bandwidth_used: number; files_shared: number; is_banned: number; unreachable: UnreachableReason | null;
}

export interface FileRow {
  public_id: string; message_id: number; user_id: number; file_name: string; file_size: number; file_type: string;
  mime_type: string; is_video: number; upload_date: number; download_count: number; stream_count: number;
  expires_at: number | null; link_secret: string; revoked: number; title: string | null;
}

/** pendingBytes: this instance's bandwidth not yet flushed, so a user sees their own traffic at once. */
export function toUserRecord(r: UserRow, pendingBytes: number): UserRecord {
  return {
    userId: r.user_id,
    username: r.username,
    firstName: r.first_name,
    joinDate: new Date(r.join_date),
    lastActive: new Date(r.last_active),
    bandwidthUsed: r.bandwidth_used + pendingBytes,
    filesShared: r.files_shared,
    isBanned: r.is_banned === 1,
    unreachable: r.unreachable ?? null,
  };
}

/** pending: this instance's download and stream counts not yet flushed; now: the store's clock, for `expired`. */
export function toFileRecord(r: FileRow, pending: { downloads: number; streams: number }, now: number): FileRecord {
  return {
    id: r.public_id,
    secret: r.link_secret,
    messageId: r.message_id,
    userId: r.user_id,
    fileName: r.file_name,
    fileSize: r.file_size,
    fileType: r.file_type,
    mimeType: r.mime_type,
    isVideo: r.is_video === 1,
    title: r.title ?? null,
    uploadDate: new Date(r.upload_date),
    downloadCount: r.download_count + pending.downloads,
    streamCount: r.stream_count + pending.streams,
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    expired: r.expires_at !== null && r.expires_at <= now,
    revoked: r.revoked === 1,
  };
}
