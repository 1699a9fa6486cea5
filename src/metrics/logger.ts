// The logger methods the metrics use; any pino logger (or child) fits.
export interface MetricsLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
