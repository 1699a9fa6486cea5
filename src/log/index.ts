// One logger for the main thread and the session workers (docs: README "Logs").
export { createLogger, type AppLogger, type CreateLoggerOptions } from './create.ts';
export { choosePretty } from './pretty.ts';
export { REDACT_PATHS, scrubLine } from './secrets.ts';
export { writeWorkerLog, isLogEvent } from './from-worker.ts';
export type { LogEvent } from './worker.ts';
export type { Logger, LogMethods } from './types.ts';
