// The process's own settings from the environment: how long a shutdown lets live streams finish, and the memory
// limit the read-ahead budget yields to. Problems come back as ConfigError lines in the configuration's style.
import { ConfigError } from './config-error.ts';

export interface LifecycleSettings {
  /** SHUTDOWN_GRACE_SECONDS (default 30): live streams may finish this long after SIGTERM or SIGINT. */
  shutdownGraceMs: number;
  /** MEMORY_LIMIT_MB (default unset: no watch). */
  memoryLimitBytes: number | null;
}

type Env = Record<string, string | undefined>;

function wholeNumber(env: Env, name: string, min: number, max: number, unit: string): number | null {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return null;
  const n = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a whole number of ${unit} from ${min} to ${max}, decimal digits only (got "${env[name]}")`);
  return n;
}

/** Throws one ConfigError listing every bad variable. */
export function readLifecycleSettings(env: Env = process.env): LifecycleSettings {
  const problems: string[] = [];
  const read = (name: string, min: number, max: number, unit: string): number | null => {
    try {
      return wholeNumber(env, name, min, max, unit);
    } catch (err) {
      problems.push((err as Error).message);
      return null;
    }
  };
  const grace = read('SHUTDOWN_GRACE_SECONDS', 0, 3600, 'seconds');
  const memory = read('MEMORY_LIMIT_MB', 128, 1_048_576, 'MiB');
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return { shutdownGraceMs: (grace ?? 30) * 1000, memoryLimitBytes: memory === null ? null : memory * 1024 * 1024 };
}
