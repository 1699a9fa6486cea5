// The process's own settings: how long a shutdown lets live streams finish, and the memory limit the read-ahead
// budget yields to (src/app/memory-watch.ts).
import { ConfigError } from './error.ts';
import type { Check, Env } from './read.ts';

export const LIFECYCLE_VARIABLES = ['SHUTDOWN_GRACE_SECONDS', 'MEMORY_LIMIT_MB'] as const;

export interface LifecycleSettings {
  /** SHUTDOWN_GRACE_SECONDS (default 30): live streams may finish this long after SIGTERM or SIGINT. */
  shutdownGraceMs: number;
  /** MEMORY_LIMIT_MB (default unset: no watch). */
  memoryLimitBytes: number | null;
}

function wholeNumber(env: Env, name: string, min: number, max: number, unit: string): number | null {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return null;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a whole number of ${unit} from ${min} to ${max}, decimal digits only (got "${env[name]}")`);
  return n;
}

export function readLifecycle(env: Env, check: Check): LifecycleSettings {
  const grace = check(() => wholeNumber(env, 'SHUTDOWN_GRACE_SECONDS', 0, 3600, 'seconds'), null);
  const memory = check(() => wholeNumber(env, 'MEMORY_LIMIT_MB', 128, 1_048_576, 'MiB'), null);
  return { shutdownGraceMs: (grace ?? 30) * 1000, memoryLimitBytes: memory === null ? null : memory * 1024 * 1024 };
}
