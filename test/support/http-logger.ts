// A logger that records what the HTTP server logs, so tests can assert on errors without printing them.
import type { HttpLogger } from '../../src/http/logger.ts';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

export function recordingLogger(): { logger: HttpLogger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const make = (bindings: Record<string, unknown>): HttpLogger => {
    const at = (level: LogRecord['level']) => (obj: object, msg: string) => {
      records.push({ level, obj: { ...bindings, ...obj }, msg });
    };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return { logger: make({}), records };
}
