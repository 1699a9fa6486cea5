// `npm start`: StreamBot from environment variables (see README.md). A bad configuration stops it with exit code 2
// and a list of every problem, each naming its variable and the fix.
import pino from 'pino';
import { loadConfig, redactedConfig, ConfigError } from './app/config.ts';
import { preflight } from './app/preflight.ts';
import { startApp } from './app/app.ts';
import { RecentLogs } from './bot/index.ts';

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
// Recent lines are kept in memory as well, for the admins' /logs command.
const logs = new RecentLogs();
const level = config.logLevel as pino.Level;
const logger = pino({ level }, pino.multistream([{ stream: process.stdout, level }, { stream: logs, level }]));
let checked;
try {
  checked = await preflight(config);
} catch (err) {
  refuseToStart(err);
}
logger.info({ config: redactedConfig(config) }, 'starting');
let app;
try {
  app = await startApp(config, { logger, recentLogs: logs, sandbox: checked.sandbox });
} catch (err) {
  if (err instanceof ConfigError) refuseToStart(err);
  logger.fatal({ err }, 'StreamBot could not start');
  process.exit(1);
}
const shutdown = async (signal: string) => {
  logger.info({ signal }, 'shutting down');
  await app.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
