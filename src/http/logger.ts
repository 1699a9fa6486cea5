// The slice of pino the HTTP server uses; any pino Logger fits, and tests can pass a recorder.
import pino from 'pino';

export interface HttpLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): HttpLogger;
}

export function defaultLogger(): HttpLogger {
  return pino({ name: 'streambot-http' });
}
