// The slice of pino the HTTP server uses (src/log/types.ts); any pino Logger fits, and tests can pass a recorder.
import { createLogger } from '../log/create.ts';
import type { Logger } from '../log/types.ts';

export type HttpLogger = Logger;

export function defaultLogger(): HttpLogger {
  return createLogger().child({ name: 'streambot-http' });
}
