// How ranges are pulled from Telegram: read-ahead per stream and in total, calls per session, and when a block
// counts as stalled.
import { int, type Check, type Env } from './read.ts';

export const STREAMING_VARIABLES = ['READ_AHEAD_BLOCKS', 'READ_AHEAD_MAX_MB', 'READ_AHEAD_SECONDS', 'BLOCK_CACHE_MB', 'SESSION_SLOTS', 'STALL_TIMEOUT_SECONDS'] as const;

export interface StreamingSettings {
  readAheadBlocks: number;
  /** Bytes all streams together may hold (in flight, waiting for their client, kept in the block cache). */
  readAheadMaxBytes: number;
  /** Seconds of a stream's measured pace kept in flight; 0 keeps the whole window whatever the pace. */
  readAheadSeconds: number;
  /** Block cache: bytes of fetched blocks kept for the next viewer (at most half of readAheadMaxBytes). */
  blockCacheBytes: number;
  /** Calls one session runs at once. */
  sessionSlots: number;
  /** A block with no progress from any session for this long fails. */
  stallTimeoutMs: number;
}

export function readStreaming(env: Env, check: Check): StreamingSettings {
  return {
    readAheadBlocks: check(() => int(env, 'READ_AHEAD_BLOCKS', 8, 1, 64), 8),
    readAheadMaxBytes: check(() => int(env, 'READ_AHEAD_MAX_MB', 256, 8, 65536), 256) * 1024 * 1024,
    readAheadSeconds: check(() => int(env, 'READ_AHEAD_SECONDS', 4, 0, 600), 4),
    blockCacheBytes: check(() => int(env, 'BLOCK_CACHE_MB', 64, 0, 65536), 64) * 1024 * 1024,
    sessionSlots: check(() => int(env, 'SESSION_SLOTS', 4, 1, 64), 4),
    stallTimeoutMs: check(() => int(env, 'STALL_TIMEOUT_SECONDS', 90, 5, 3600), 90) * 1000,
  };
}
