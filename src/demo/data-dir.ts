// The demo's Telegram (the sandbox DC) lives in memory and starts empty on every run, so StreamBot's database must
// too: a database from an earlier run names log messages the new log channel reuses, and the bot refuses the file.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { sqlitePath } from '../store/sqlite/path.ts';

export const DEFAULT_DEMO_DATA_DIR = './data/demo';

/**
 * The directory for StreamBot's SQLite file, holding none. The demo's own default directory is emptied of an earlier
 * run's database; a DATA_DIR someone chose is never touched, and one that already holds a database is refused.
 */
export function freshDataDir(fromEnv: string | undefined, defaultDir = DEFAULT_DEMO_DATA_DIR): string {
  const given = fromEnv?.trim();
  const dir = resolve(given || defaultDir);
  mkdirSync(dir, { recursive: true });
  const db = sqlitePath(dir);
  if (!existsSync(db)) return dir;
  if (given) throw new Error(`DATA_DIR=${given} already holds ${db}; the demo starts StreamBot on an empty database on every run (its Telegram lives in memory), so point DATA_DIR at a new or empty directory, or leave it unset for ${defaultDir}`);
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(db + suffix, { force: true });
  return dir;
}
