// The logger a session worker writes with. Its lines do not go to the worker's stdout: each record is posted to the
// main thread as a `{ type: 'log' }` session event, where writeWorkerLog (from-worker.ts) writes it through the main
// logger, tagged with the session's index, redacted and rate-limited like every other line.
import pino, { type Logger as PinoLogger } from 'pino';

/** One log record crossing from a worker to the main thread. */
export interface LogEvent {
  type: 'log';
  /** pino level number (10 trace … 60 fatal). */
  level: number;
  msg: string;
  /** The record's other fields, errors already serialized ({ type, message, stack, code }). */
  fields: Record<string, unknown>;
}

/** `post` sends one event to the main thread (postSessionEvent in a session worker). */
export function createWorkerLogger(post: (event: LogEvent) => void, opts: { level?: string } = {}): PinoLogger {
  const destination = {
    write(line: string): void {
      const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string } & Record<string, unknown>;
      post({ type: 'log', level, msg: msg ?? '', fields });
    },
  };
  // No time, pid or hostname: the main thread's logger adds its own.
  return pino({ level: opts.level ?? process.env.LOG_LEVEL ?? 'info', base: null, timestamp: false }, destination);
}
