// The logger shapes the code depends on: structural subsets of pino's Logger, so a pino logger (or child) fits and a
// test can pass a recorder that keeps lines in an array.

/** The four levels code writes at. */
export interface LogMethods {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** LogMethods plus child loggers carrying bindings such as `{ component: 'http' }` or `{ session: 2 }`. */
export interface Logger extends LogMethods {
  child(bindings: Record<string, unknown>): Logger;
}

export const LEVEL_NAMES: Record<number, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal',
};
