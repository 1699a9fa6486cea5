// `npm start`: StreamBot from environment variables (see README.md). A bad configuration stops it with exit code 2
// and a list of every problem, each naming its variable and the fix. SIGTERM or SIGINT drains and exits 0; a fatal
// error cleans up and exits 1 (src/app/process-signals.ts).
import { loadConfig, redactedConfig, ConfigError } from './config/index.ts';
import { preflight } from './app/preflight.ts';
import { startApp } from './app/app.ts';
import { RecentLogs } from './bot/index.ts';
import { handleProcessLifecycle } from './app/process-signals.ts';
import { createLogger } from './log/index.ts';
import { tuneMalloc } from './app/malloc-tuning.ts';

function refuseToStart(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`StreamBot cannot start:\n- ${err.message.split('\n').join('\n- ')}`);
  process.exit(2);
}

let config;
try {
  config = loadConfig();
} catch (err) {
  refuseToStart(err);
}
const { lifecycle } = config;
// Recent lines are kept in memory as well, for the admins' /logs command.
const logs = new RecentLogs();
const logger = createLogger({ level: config.logLevel, pretty: config.logPretty ?? undefined, recent: logs });
let checked;
try {
  checked = await preflight(config);
} catch (err) {
  refuseToStart(err);
}
// Before any session worker starts, so every thread's allocations follow it.
const malloc = tuneMalloc();
logger.info({ config: redactedConfig(config), malloc }, 'starting');
let app;
try {
  app = await startApp(config, { logger, recentLogs: logs, sandbox: checked.sandbox, memoryLimitBytes: lifecycle.memoryLimitBytes });
} catch (err) {
  if (err instanceof ConfigError) refuseToStart(err);
  logger.fatal({ err }, 'StreamBot could not start');
  process.exit(1);
}
// Repeats held back for a count are written before the process goes, whatever ends it.
process.on('exit', () => logger.flushRepeats());
handleProcessLifecycle({ shutdown: (graceMs) => app.shutdown({ graceMs }), graceMs: lifecycle.shutdownGraceMs, logger });
