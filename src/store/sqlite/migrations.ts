// Schema of the embedded database. PRAGMA user_version holds the number of migrations applied; a new version is a
// new entry at the end of MIGRATIONS, never an edit of an old one.

import type Database from 'better-sqlite3';
import { StoreError } from '../errors.ts';

export const MIGRATIONS: readonly string[] = [
  // 1: the collections of the MongoDB backend, as tables with the same field names. Times are epoch milliseconds.
  `
  CREATE TABLE users (
    user_id        INTEGER PRIMARY KEY,
    username       TEXT,
    first_name     TEXT,
    join_date      INTEGER NOT NULL,
    last_active    INTEGER NOT NULL,
    bandwidth_used INTEGER NOT NULL DEFAULT 0,
    files_shared   INTEGER NOT NULL DEFAULT 0,
    is_banned      INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE files (
    public_id      TEXT PRIMARY KEY,
    message_id     INTEGER NOT NULL UNIQUE,
    user_id        INTEGER NOT NULL,
    file_name      TEXT NOT NULL,
    file_size      INTEGER NOT NULL,
    file_type      TEXT NOT NULL,
    mime_type      TEXT NOT NULL,
    is_video       INTEGER NOT NULL,
    upload_date    INTEGER NOT NULL,
    download_count INTEGER NOT NULL DEFAULT 0,
    stream_count   INTEGER NOT NULL DEFAULT 0,
    expires_at     INTEGER,
    link_secret    TEXT NOT NULL,
    revoked        INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX files_by_user ON files (user_id, upload_date DESC, public_id DESC);
  CREATE INDEX files_by_expiry ON files (expires_at) WHERE expires_at IS NOT NULL;
  -- user_id 0 holds the global total of the month (Telegram user ids are positive).
  CREATE TABLE bandwidth_usage (
    month   TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    bytes   INTEGER NOT NULL,
    PRIMARY KEY (month, user_id)
  ) WITHOUT ROWID;
  CREATE TABLE rate_windows (
    key          TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count        INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
  ) WITHOUT ROWID;
  CREATE INDEX rate_windows_by_expiry ON rate_windows (expires_at);
  CREATE TABLE sessions (
    bot_id     TEXT PRIMARY KEY,
    session    TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value_json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 2: users the bot cannot message (broadcasts skip them), and sliding windows (one row per taken slot; rows are
  // not unique, since two slots can be taken in one millisecond).
  `
  ALTER TABLE users ADD COLUMN unreachable TEXT CHECK (unreachable IN ('blocked', 'deactivated'));
  CREATE TABLE sliding_windows (
    key        TEXT NOT NULL,
    taken_at   INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX sliding_windows_by_key ON sliding_windows (key, taken_at);
  CREATE INDEX sliding_windows_by_expiry ON sliding_windows (expires_at);
  `,
  // 3: the sender's caption, kept as the file's title. Files registered before it have none.
  `
  ALTER TABLE files ADD COLUMN title TEXT;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to SCHEMA_VERSION. Safe when several processes open the same file at once. */
export function migrate(db: Database.Database): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StoreError(
      'SB_ERR_STORE_SCHEMA',
      `the database has schema version ${current} but this StreamBot only knows up to ${SCHEMA_VERSION}; upgrade StreamBot`,
    );
  }
  if (current === SCHEMA_VERSION) return current;
  // IMMEDIATE takes the write lock before reading the version again, so two processes never apply one migration twice.
  db.prepare('BEGIN IMMEDIATE').run();
  try {
    let version = db.pragma('user_version', { simple: true }) as number;
    for (; version < SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version]!);
    db.pragma(`user_version = ${version}`);
    db.prepare('COMMIT').run();
    return version;
  } catch (err) {
    db.prepare('ROLLBACK').run();
    throw err;
  }
}
