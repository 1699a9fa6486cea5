// How much StreamBot logs. LOG_DIR is pm2's (ecosystem.config.cjs), listed in index.ts's PM2_VARIABLES.
import { ConfigError } from './error.ts';
import type { Check, Env } from './read.ts';

export const LOGGING_VARIABLES = ['LOG_LEVEL'] as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
}

export function readLogging(env: Env, check: Check): { logLevel: LogLevel } {
  return { logLevel: check(() => logLevel(env), 'info') };
}
