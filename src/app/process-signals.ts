// What the process does on SIGTERM/SIGINT and on a fatal error. A signal drains and closes, then exits 0; a second
// signal exits at once. An uncaught exception or unhandled rejection is logged, the same cleanup runs without a
// grace period, and the process exits 1 so a process manager restarts it. Every path is bounded in time: a cleanup
// that hangs ends in exit 1 too.
import { constants } from 'node:os';
import type { Logger } from 'pino';

export interface ProcessLifecycleOptions {
  /** The app's drain-and-close (App.shutdown). */
  shutdown: (graceMs: number) => Promise<unknown>;
  /** SHUTDOWN_GRACE_SECONDS in ms. */
  graceMs: number;
  logger: Logger;
  /** Time allowed for the steps after the grace (the bot's work, the workers, the store); default 20000. */
  cleanupBoundMs?: number;
  /** Injectable for tests. */
  proc?: Pick<NodeJS.Process, 'on' | 'off'>;
  exit?: (code: number) => void;
}

export const DEFAULT_CLEANUP_BOUND_MS = 20_000;

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export function handleProcessLifecycle(o: ProcessLifecycleOptions): { dispose(): void } {
  const proc = o.proc ?? process;
  const exit = o.exit ?? ((code: number) => process.exit(code));
  const bound = o.cleanupBoundMs ?? DEFAULT_CLEANUP_BOUND_MS;
  let stopping = false;
  let exitCode = 0;

  const windDown = (graceMs: number) => {
    stopping = true;
    setTimeout(() => {
      o.logger.error({ afterMs: graceMs + bound }, 'shutdown did not finish in time; exiting');
      exit(1);
    }, graceMs + bound);
    o.shutdown(graceMs).then(
      () => {
        o.logger.info({ exitCode }, 'StreamBot stopped');
        exit(exitCode);
      },
      (err: unknown) => {
        o.logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      o.logger.warn({ signal }, 'second signal: exiting now, without waiting for the cleanup');
      return exit(128 + (constants.signals[signal] ?? 15));
    }
    o.logger.info({ signal, graceMs: o.graceMs }, 'shutting down: live streams may finish, new ones are refused');
    windDown(o.graceMs);
  };

  const onFatal = (err: unknown, origin: string) => {
    o.logger.fatal({ err, origin }, 'fatal error; cleaning up and exiting');
    exitCode = 1;
    // Already stopping: that cleanup is bounded and now ends with exit 1.
    if (!stopping) windDown(0);
  };
  const onException = (err: Error) => onFatal(err, 'uncaughtException');
  const onRejection = (reason: unknown) => onFatal(reason, 'unhandledRejection');

  for (const s of SIGNALS) proc.on(s, onSignal);
  proc.on('uncaughtException', onException);
  proc.on('unhandledRejection', onRejection);
  return {
    dispose() {
      for (const s of SIGNALS) proc.off(s, onSignal);
      proc.off('uncaughtException', onException);
      proc.off('unhandledRejection', onRejection);
    },
  };
}
