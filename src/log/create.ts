// The process's one pino logger: JSON lines (pretty at a terminal), secrets redacted by path and by pattern,
// identical warnings and errors within a window written once plus a count line, and an optional copy of every line
// into RecentLogs for the admins' /logs command.
import pino, { type DestinationStream, type Level, type LogFn, type Logger as PinoLogger } from 'pino';
import type { RecentLogs } from '../bot/recent-logs.ts';
import { REDACT_PATHS, censor, scrubLine } from './secrets.ts';
import { RepeatGate } from './repeats.ts';
import { choosePretty, prettyDestination } from './pretty.ts';

export interface CreateLoggerOptions {
  /** pino level name. Default LOG_LEVEL, else 'info'. */
  level?: string;
  /** Default: LOG_PRETTY, else whether stdout is a terminal (see choosePretty). */
  pretty?: boolean;
  /** Where lines go. Default process.stdout. */
  destination?: DestinationStream;
  /** Also keep the lines (always JSON) here for /logs. */
  recent?: RecentLogs;
  /** Window for holding back identical warnings and errors. Default 10 000 ms. */
  repeatWindowMs?: number;
}

export type AppLogger = PinoLogger & {
  /** Writes the count lines of held-back repeats now (before exit, or in tests). */
  flushRepeats(): void;
};

const LEVELS = Object.keys(pino.levels.values);
const WARN = pino.levels.values.warn!;

export function createLogger(opts: CreateLoggerOptions = {}): AppLogger {
  const level = (opts.level ?? process.env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!LEVELS.includes(level)) throw new RangeError(`log level must be one of ${LEVELS.join(', ')} (got ${JSON.stringify(level)})`);
  const out = opts.destination ?? process.stdout;
  const isTTY = out === process.stdout && Boolean(process.stdout.isTTY);
  const main = choosePretty({ pretty: opts.pretty, isTTY }) ? prettyDestination(out, isTTY) : out;
  const stream = opts.recent
    ? pino.multistream([{ stream: main, level: level as Level }, { stream: opts.recent, level: level as Level }])
    : main;

  const gate = new RepeatGate({
    windowMs: opts.repeatWindowMs ?? 10_000,
    onSummary: ({ repeated, first }) => {
      const { logger, method, msg, code } = first as FirstLine;
      method.call(logger, { repeated, ...(code === undefined ? {} : { code }) }, msg);
    },
  });

  const logger = pino({
    level,
    redact: { paths: REDACT_PATHS, censor },
    hooks: {
      logMethod(args, method, lvl) {
        if (lvl < WARN) return method.apply(this, args);
        const { msg, code } = describe(args);
        const kind = `${lvl}\u0000${String((this as any)[pino.symbols.chindingsSym] ?? '')}\u0000${msg}\u0000${code ?? ''}`;
        const first: FirstLine = { logger: this, method, msg, code };
        if (gate.admit(kind, first)) method.apply(this, args);
      },
      streamWrite: scrubLine,
    },
  }, stream) as AppLogger;
  logger.flushRepeats = () => gate.flush();
  return logger;
}

interface FirstLine { logger: PinoLogger; method: LogFn; msg: string; code: unknown }

/** The message and the error code of one call's arguments: what makes two lines "the same". */
function describe(args: unknown[]): { msg: string; code: unknown } {
  const [first, second] = args;
  if (typeof first === 'string') return { msg: first, code: undefined };
  const obj = (first ?? {}) as { err?: { code?: unknown; message?: unknown }; code?: unknown; message?: unknown };
  const err = first instanceof Error ? obj : obj.err;
  const msg = typeof second === 'string' ? second : first instanceof Error ? String(obj.message) : '';
  return { msg, code: err?.code ?? obj.code };
}
