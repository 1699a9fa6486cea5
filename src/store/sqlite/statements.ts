// Every statement of the embedded backend, prepared once per connection.
//
// Expiry in file queries: a file is listed when `expires_at IS NULL OR expires_at >= @from`. Times are integer epoch
// ms, so @from = now + 1 gives the live links (expires_at > now) and @from = now - retention adds the expired files
// still kept for renewal; one statement serves both.

import type Database from 'better-sqlite3';
import type { FileRow, UserRow } from './rows.ts';

const SHOWN = '(expires_at IS NULL OR expires_at >= @from)';

export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
    return {
      upsertUser: db.prepare<unknown[], UserRow>(`
        INSERT INTO users (user_id, username, first_name, join_date, last_active)
        VALUES (@userId, @username, @firstName, @now, @now)
        ON CONFLICT (user_id) DO UPDATE SET
          username = CASE WHEN @keepUsername THEN users.username ELSE excluded.username END,
          first_name = CASE WHEN @keepFirstName THEN users.first_name ELSE excluded.first_name END,
          last_active = excluded.last_active,
          unreachable = NULL
        RETURNING *`),
      getUser: db.prepare<unknown[], UserRow>('SELECT * FROM users WHERE user_id = ?'),
      setBanned: db.prepare('UPDATE users SET is_banned = ? WHERE user_id = ?'),
      setUnreachable: db.prepare('UPDATE users SET unreachable = ? WHERE user_id = ?'),
      listUsers: db.prepare<unknown[], UserRow>('SELECT * FROM users WHERE user_id > ? ORDER BY user_id LIMIT ?'),
      userIds: db.prepare<unknown[], { user_id: number }>(
        `SELECT user_id FROM users WHERE user_id > @after AND (@includeBanned OR is_banned = 0)
           AND (@includeUnreachable OR unreachable IS NULL) ORDER BY user_id LIMIT @limit`),
      // NULL for a filter means "either".
      countUsers: db.prepare<unknown[], { n: number }>(`
        SELECT count(*) AS n FROM users WHERE (@banned IS NULL OR is_banned = @banned)
          AND (@unreachable IS NULL OR (unreachable IS NOT NULL) = @unreachable)`),
      insertFile: db.prepare(`
        INSERT INTO files (public_id, message_id, user_id, file_name, file_size, file_type, mime_type, is_video,
                           title, upload_date, expires_at, link_secret)
        VALUES (@id, @messageId, @userId, @fileName, @fileSize, @fileType, @mimeType, @isVideo, @title, @uploadDate,
                @expiresAt, @secret)`),
      countShared: db.prepare('UPDATE users SET files_shared = files_shared + 1 WHERE user_id = ?'),
      getFile: db.prepare<unknown[], FileRow>(`SELECT * FROM files WHERE public_id = @id AND ${SHOWN}`),
      getFileAnyState: db.prepare<unknown[], FileRow>('SELECT * FROM files WHERE public_id = ?'),
      getFileByMessage: db.prepare<unknown[], FileRow>(`SELECT * FROM files WHERE message_id = @messageId AND ${SHOWN}`),
      filesFirstPage: db.prepare<unknown[], FileRow>(`
        SELECT * FROM files WHERE user_id = @userId AND ${SHOWN}
        ORDER BY upload_date DESC, public_id DESC LIMIT @limit`),
      filesNextPage: db.prepare<unknown[], FileRow>(`
        SELECT * FROM files WHERE user_id = @userId AND ${SHOWN}
          AND (upload_date < @date OR (upload_date = @date AND public_id < @id))
        ORDER BY upload_date DESC, public_id DESC LIMIT @limit`),
      countFiles: db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM files WHERE ${SHOWN}`),
      countUserFiles: db.prepare<unknown[], { n: number }>(
        `SELECT count(*) AS n FROM files WHERE user_id = @userId AND ${SHOWN}`),
      revokeFile: db.prepare(`UPDATE files SET revoked = 1 WHERE public_id = @id AND ${SHOWN}`),
      // One statement, so the old id stops resolving in the same instant the new one starts.
      renewFile: db.prepare<unknown[], FileRow>(`
        UPDATE files SET public_id = @newId, expires_at = @expiresAt, revoked = 0
        WHERE public_id = @id AND ${SHOWN} RETURNING *`),
      deleteFile: db.prepare('DELETE FROM files WHERE public_id = ?'),
      addFileCounts: db.prepare(
        'UPDATE files SET download_count = download_count + ?, stream_count = stream_count + ? WHERE public_id = ?'),
      addBandwidth: db.prepare(`
        INSERT INTO bandwidth_usage (month, user_id, bytes) VALUES (?, ?, ?)
        ON CONFLICT (month, user_id) DO UPDATE SET bytes = bytes + excluded.bytes`),
      addUserBandwidth: db.prepare('UPDATE users SET bandwidth_used = bandwidth_used + ? WHERE user_id = ?'),
      getBandwidth: db.prepare<unknown[], { bytes: number }>('SELECT bytes FROM bandwidth_usage WHERE month = ? AND user_id = ?'),
      hitWindow: db.prepare<unknown[], { count: number }>(`
        INSERT INTO rate_windows (key, window_start, count, expires_at) VALUES (?, ?, 1, ?)
        ON CONFLICT (key, window_start) DO UPDATE SET count = count + 1
        RETURNING count`),
      getSession: db.prepare<unknown[], { session: string }>('SELECT session FROM sessions WHERE bot_id = ?'),
      saveSession: db.prepare(`
        INSERT INTO sessions (bot_id, session, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (bot_id) DO UPDATE SET session = excluded.session, updated_at = excluded.updated_at`),
      deleteSession: db.prepare('DELETE FROM sessions WHERE bot_id = ?'),
      getSetting: db.prepare<unknown[], { value_json: string }>('SELECT value_json FROM settings WHERE key = ?'),
      setSetting: db.prepare(`
        INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`),
      // Files whose retention after expiry is over: expires_at + retention < now.
      sweepFiles: db.prepare('DELETE FROM files WHERE expires_at < @from'),
      sweepWindows: db.prepare('DELETE FROM rate_windows WHERE expires_at <= ?'),
    };
}
