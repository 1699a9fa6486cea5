// Where the embedded database lives, and creating its directory.

import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function sqlitePath(dataDir: string): string {
  if (dataDir === ':memory:') return ':memory:';
  mkdirLevels(dataDir);
  return join(dataDir, 'streambot.db');
}

/**
 * mkdir -p one level at a time. Not mkdirSync({ recursive: true }): under a parent that exists but refuses children
 * with ENOENT (/proc, a dangling symlink) Node 20's recursive mkdir loops forever instead of failing.
 */
function mkdirLevels(dir: string): void {
  const full = resolve(dir);
  const levels: string[] = [];
  for (let d = full; d !== dirname(d); d = dirname(d)) levels.unshift(d);
  for (const level of levels) {
    try {
      mkdirSync(level);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
