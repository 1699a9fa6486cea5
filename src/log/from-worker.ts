// The main thread's half of worker logging: a `{ type: 'log' }` session event written through the main logger as a
// child `{ session: index }`.
import { LEVEL_NAMES, type LogMethods } from './types.ts';
import type { LogEvent } from './worker.ts';

export function isLogEvent(event: unknown): event is LogEvent {
  const e = event as Partial<LogEvent> | null;
  return typeof e === 'object' && e !== null && e.type === 'log' && typeof e.level === 'number' && typeof e.msg === 'string';
}

type MaybeBranching = LogMethods & { child?(bindings: Record<string, unknown>): LogMethods };

export function writeWorkerLog(logger: MaybeBranching, index: number, event: LogEvent): void {
  // A child keeps the session in the bindings, so repeats are held back per session.
  const target = (typeof logger.child === 'function' ? logger.child({ session: index }) : logger) as LogMethods & Partial<Record<string, unknown>>;
  const fields = typeof logger.child === 'function' ? { ...event.fields } : { ...event.fields, session: index };
  const name = LEVEL_NAMES[event.level] ?? 'info';
  // Loggers that stop at debug..error (the supervisor's recorders) get trace as debug and fatal as error.
  const method = typeof target[name] === 'function' ? name : name === 'trace' ? 'debug' : name === 'fatal' ? 'error' : 'info';
  (target[method] as (obj: object, msg?: string) => void).call(target, fields, event.msg);
}
