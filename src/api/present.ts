// What the API shows of stored records and session snapshots. Field names are snake_case, as in /api/info. A file's
// link secret is never shown; dates are ISO 8601 strings in UTC.
import type { SessionSnapshot } from '../../actors/supervisor/snapshot.ts';
import { fileLinks } from '../links/index.ts';
import type { FileRecord, UserRecord } from '../store/index.ts';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function presentFile(file: FileRecord, baseUrl: string, now: number) {
  return {
    id: file.id,
    title: file.title,
    file_name: file.fileName,
    file_size: file.fileSize,
    file_type: file.fileType,
    mime_type: file.mimeType,
    is_video: file.isVideo,
    user_id: file.userId,
    message_id: file.messageId,
    upload_date: iso(file.uploadDate),
    expires_at: iso(file.expiresAt),
    // Expired links answer 410 until renewed; the store shows such files only where it keeps them for renewal.
    expired: file.expiresAt !== null && file.expiresAt.getTime() <= now,
    revoked: file.revoked,
    download_count: file.downloadCount,
    stream_count: file.streamCount,
    links: fileLinks(baseUrl, file.id, file.fileName),
  };
}

export function presentUser(user: UserRecord, monthBytes: number) {
  return {
    id: user.userId,
    username: user.username,
    first_name: user.firstName,
    join_date: iso(user.joinDate),
    last_active: iso(user.lastActive),
    banned: user.isBanned,
    unreachable: user.unreachable,
    files_shared: user.filesShared,
    bandwidth_used_bytes: user.bandwidthUsed,
    bandwidth_this_month_bytes: monthBytes,
  };
}

export function presentSession(s: SessionSnapshot, now: number) {
  const floodWait = s.state === 'flood-wait' && s.floodUntil !== undefined;
  return {
    index: s.index,
    state: s.state,
    bot_username: s.username ?? null,
    flood_wait_until: floodWait ? new Date(s.floodUntil!).toISOString() : null,
    flood_wait_seconds: floodWait ? Math.max(0, Math.ceil((s.floodUntil! - now) / 1000)) : 0,
    retry_at: s.retryAt !== undefined ? new Date(s.retryAt).toISOString() : null,
    restarts: s.restarts,
    in_flight: s.inFlight,
    completed: s.completed,
    links_down: s.linksDown,
    last_progress_at: s.lastProgressAt > 0 ? new Date(s.lastProgressAt).toISOString() : null,
    // The code only: an error message may carry details (paths, peers) that do not belong in an API answer.
    last_error_code: s.lastError ? (s.lastError.code ?? 'UNKNOWN') : null,
  };
}

/** Sessions counted by state, every state present (0 when none). */
export function sessionSummary(sessions: readonly SessionSnapshot[]) {
  const byState = { starting: 0, ready: 0, 'flood-wait': 0, restarting: 0, failed: 0, stopped: 0 };
  for (const s of sessions) byState[s.state]++;
  return { total: sessions.length, ready: byState.ready, by_state: byState };
}

/** Uptime in words: `2d 14h 32m 18s`. */
export function humanUptime(ms: number): string {
  let s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const parts = [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s}s`].filter(Boolean);
  return parts.join(' ');
}
