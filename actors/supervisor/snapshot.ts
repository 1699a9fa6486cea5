// What the supervisor tells about one session (states(), state events): plain data, safe to log and to serialise.
import type { SessionState } from '../session/protocol.ts';

export interface SessionSnapshot {
  index: number;
  state: SessionState;
  /** Epoch ms when the flood wait ends (state 'flood-wait'). */
  floodUntil?: number;
  /** Epoch ms of the next start attempt (states 'restarting' and 'failed'). */
  retryAt?: number;
  /** Scheduler calls (fetchBlock/resolveFile) running on this session. */
  inFlight: number;
  /** Calls given up by their job (aborted) that the worker is still running. */
  abandoned: number;
  /** DCs the session's worker reports it cannot reach right now. */
  linksDown: number[];
  /** Epoch ms of the last job this session completed (0: none yet). */
  lastProgressAt: number;
  /** Jobs this session has completed since the supervisor started (across restarts). */
  completed: number;
  /** Restarts inside the current restart window. */
  restarts: number;
  botId?: string;
  username?: string;
  lastError?: { code?: string; message: string };
}

export function errorSummary(err: Error): { code?: string; message: string } {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? { code, message: err.message } : { message: err.message };
}
