// StreamBot's configuration from the environment, one module per area. Every error names the variable and how to
// fix it; secrets (tokens, api hash, database credentials, API token) are kept out of error messages and out of
// anything that gets logged (redactedConfig). Checks that need I/O (addresses, directories, the sandbox) run at
// start in src/app/preflight.ts.
import { ConfigError } from './error.ts';
import { loadEnvFile, ENV_FILE_VARIABLES } from './env-file.ts';
import { redactedHttpUrl, type Env } from './read.ts';
import { readTelegram, TELEGRAM_VARIABLES, type TelegramSettings } from './telegram.ts';
import { readHttp, HTTP_VARIABLES, type HttpSettings } from './http.ts';
import { readStreaming, STREAMING_VARIABLES, type StreamingSettings } from './streaming.ts';
import { readStore, redactedDatabaseUrl, STORE_VARIABLES, type StoreSettings } from './store.ts';
import { readLogging, LOGGING_VARIABLES, type LogLevel } from './logging.ts';
import { readBotSettings, LIMITS_VARIABLES, type BotSettings } from './limits.ts';
import { readWebSettings, LINKS_VARIABLES, type WebSettings } from './links.ts';
import { readLifecycle, LIFECYCLE_VARIABLES, type LifecycleSettings } from './lifecycle.ts';

export { ConfigError, redactedDatabaseUrl, redactedHttpUrl };
export { LOG_LEVELS, type LogLevel } from './logging.ts';
export { DEFAULT_VIDEO_FRONTEND_URL, type BotSettings } from './limits.ts';
export type { WebSettings } from './links.ts';
export type { LifecycleSettings } from './lifecycle.ts';

export interface AppConfig extends TelegramSettings, HttpSettings, StreamingSettings, StoreSettings {
  logLevel: LogLevel;
  /** LOG_PRETTY: pretty lines (true), JSON (false), or pretty at a terminal only (null). */
  logPretty: boolean | null;
  /** What the bot allows and refuses (limits.ts). */
  bot: BotSettings;
  /** Links, API and security (links.ts). */
  web: WebSettings;
  /** Shutdown grace and memory limit (lifecycle.ts). */
  lifecycle: LifecycleSettings;
}

/**
 * Every variable StreamBot reads, by area; MULTI_TOKEN<n> stands for MULTI_TOKEN1, MULTI_TOKEN2, …. README.md's
 * configuration table and .env.example list exactly these (test/config-docs.test.ts).
 */
export const CONFIG_VARIABLES: readonly string[] = [
  ...TELEGRAM_VARIABLES,
  ...HTTP_VARIABLES,
  ...STREAMING_VARIABLES,
  ...STORE_VARIABLES,
  ...LOGGING_VARIABLES,
  ...LIMITS_VARIABLES,
  ...LINKS_VARIABLES,
  ...LIFECYCLE_VARIABLES,
  ...ENV_FILE_VARIABLES,
];

/**
 * Read by ecosystem.config.cjs for pm2, never by StreamBot itself; documented with the others so a pm2 setup finds
 * them in the same places.
 */
export const PM2_VARIABLES: readonly string[] = ['MAX_MEMORY_RESTART', 'LOG_DIR'];

/**
 * The configuration from `env`; without one, from process.env after loading `.env` (or ENV_FILE) into it.
 * Throws one ConfigError listing every problem, one per line.
 */
export function loadConfig(env?: Env): AppConfig {
  // Every problem is reported at once, so a first start does not turn into one fix per attempt.
  const problems: string[] = [];
  if (env === undefined) {
    problems.push(...loadEnvFile());
    env = process.env;
  }
  const check = <T>(read: () => T, fallback: T): T => {
    try {
      return read();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
      return fallback;
    }
  };
  const config: AppConfig = {
    ...readTelegram(env, check, (problem) => problems.push(problem)),
    ...readHttp(env, check),
    ...readStreaming(env, check),
    ...readStore(env, check),
    ...readLogging(env, check),
    bot: readBotSettings(env, check),
    web: readWebSettings(env, check),
    lifecycle: readLifecycle(env, check),
  };
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return config;
}

/** The configuration with secrets masked, safe to log. */
export function redactedConfig(c: AppConfig): Record<string, unknown> {
  return {
    ...c,
    botTokens: c.botTokens.map((t) => `${t.split(':')[0]}:***`),
    apiHash: '***',
    databaseUrl: c.databaseUrl ? redactedDatabaseUrl(c.databaseUrl) : null,
    sandboxUrl: c.sandboxUrl ? redactedHttpUrl(c.sandboxUrl) : null,
    baseUrl: redactedHttpUrl(c.baseUrl),
    web: { ...c.web, apiToken: c.web.apiToken ? '***' : null },
  };
}
