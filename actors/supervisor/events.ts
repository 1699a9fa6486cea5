// Named diagnostics channels of the session layer, so health checks and metrics can subscribe without being
// threaded through the supervisor (the same events are also emitted on the supervisor's EventEmitter).
import diagnostics_channel from 'node:diagnostics_channel';
import type { SessionState } from '../session/protocol.ts';

export interface SessionStateEvent {
  index: number;
  state: SessionState;
  previous: SessionState;
  /** Epoch ms when a flood wait ends; only for 'flood-wait'. */
  floodUntil?: number;
  /** Why the session left 'ready' (exit, heartbeat, bootstrap failure, …). */
  error?: { code?: string; message: string };
  at: number;
}

export interface SessionWorkerEvent {
  index: number;
  event: unknown;
}

export const sessionStateChannel = diagnostics_channel.channel('streambot:session:state');
export const sessionEventChannel = diagnostics_channel.channel('streambot:session:event');
