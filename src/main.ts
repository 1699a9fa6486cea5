// `npm start`: StreamBot from environment variables (see README.md). Exits with a clear message on bad config.
import pino from 'pino';
import { loadConfig, redactedConfig, ConfigError } from './app/config.ts';
import { startApp } from './app/app.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`StreamBot cannot start:\n- ${err.message.split('\n').join('\n- ')}`);
    process.exit(2);
  }
  throw err;
}
const logger = pino({ level: config.logLevel });
logger.info({ config: redactedConfig(config) }, 'starting');
const app = await startApp(config, { logger });
const shutdown = async (signal: string) => {
  logger.info({ signal }, 'shutting down');
  await app.close();
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
