// The logger methods the metrics use; any pino logger (or child) fits.
import type { LogMethods } from '../log/types.ts';

export type MetricsLogger = Pick<LogMethods, 'warn' | 'error'>;
