// How much StreamBot logs. LOG_DIR is pm2's (ecosystem.config.cjs), listed in index.ts's PM2_VARIABLES.
import { ConfigError } from './error.ts';
import type { Check, Env } from './read.ts';

export const LOGGING_VARIABLES = ['LOG_LEVEL', 'LOG_PRETTY'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
}

/** LOG_PRETTY: true for pretty lines, false for JSON; unset: pretty at a terminal only. */
function logPretty(env: Env): boolean | null {
  const raw = env.LOG_PRETTY?.trim().toLowerCase() ?? '';
  if (raw === '') return null;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`LOG_PRETTY must be true or false, or unset to pretty-print at a terminal only (got "${env.LOG_PRETTY}")`);
}

export function readLogging(env: Env, check: Check): { logLevel: LogLevel; logPretty: boolean | null } {
  return { logLevel: check(() => logLevel(env), 'info'), logPretty: check(() => logPretty(env), null) };
}
