// Pretty lines for a person at a terminal, JSON lines for everything else (log collectors, files, pipes).
import { prettyFactory } from 'pino-pretty';
import type { DestinationStream } from 'pino';

/**
 * Whether to pretty-print: an explicit choice wins, then LOG_PRETTY (1/true or 0/false), then whether stdout is a
 * terminal.
 */
export function choosePretty(o: { pretty?: boolean; env?: NodeJS.ProcessEnv; isTTY?: boolean } = {}): boolean {
  if (o.pretty !== undefined) return o.pretty;
  const flag = (o.env ?? process.env).LOG_PRETTY?.trim().toLowerCase();
  if (flag === '1' || flag === 'true') return true;
  if (flag === '0' || flag === 'false') return false;
  if (flag) throw new TypeError(`LOG_PRETTY must be 1 or 0 (got ${JSON.stringify(flag)})`);
  return o.isTTY ?? Boolean(process.stdout.isTTY);
}

/** A destination that turns each JSON line into a pretty one before writing it to `out`. */
export function prettyDestination(out: DestinationStream, colorize: boolean): DestinationStream {
  const format = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return { write: (line: string) => out.write(format(line)) };
}
