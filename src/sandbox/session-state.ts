// What the server remembers of one MTProto session (core.telegram.org/mtproto/description#session): the messages it
// received (for msgs_state_req), the content-related messages it sent and the client has not acknowledged yet (for
// msg_resend_req), and its own seq_no counter. Sessions live per auth key, across connections, as on Telegram.
import type { AuthKeyRecord } from './dc.ts';

/** How many received msg_ids a session remembers; older ones answer "nothing is known" (state 1). */
const RECEIVED_KEPT = 512;
/**
 * Unacknowledged sent messages kept for msg_resend_req, by total size (oldest dropped first). File parts are not
 * kept: holding megabytes per session until the client's lazy acks arrive doubled the DC's CPU time in GC.
 */
const HELD_BYTES = 1024 * 1024;
const HELD_MESSAGE_MAX = 64 * 1024;
/** A client msg_id more than this ahead of the server's clock is "too new" (core.telegram.org/mtproto/description#message-identifier-msg-id). */
const FUTURE_SLACK_S = 30n;

export interface Received {
  contentRelated: boolean;
  /** An RPC query: being processed or answered (state +32). */
  query: boolean;
  /** A content-related answer was generated (state +64). */
  answered: boolean;
  /** The server sent msgs_ack for it (state +8). */
  acked: boolean;
}

export interface SentMessage {
  msgId: bigint;
  seqNo: number;
  /** The encrypted message (auth_key_id, msg_key, ciphertext), ready to frame again. */
  parts: Buffer[];
  bytes: number;
}

export class SessionState {
  readonly received = new Map<bigint, Received>();
  readonly held = new Map<bigint, SentMessage>();
  #heldBytes = 0;
  /** Number of content-related messages the server sent in this session (seq_no = 2 × this + 1). */
  contentSent = 0;
  /** Queries whose answer the client dropped with rpc_drop_answer while they ran. */
  readonly dropped = new Set<bigint>();

  constructor(readonly id: bigint, readonly firstMsgId: bigint) {}

  noteReceived(msgId: bigint, contentRelated: boolean): Received {
    let r = this.received.get(msgId);
    if (r) return r;
    r = { contentRelated, query: false, answered: false, acked: false };
    this.received.set(msgId, r);
    if (this.received.size > RECEIVED_KEPT) this.received.delete(this.received.keys().next().value!);
    return r;
  }

  hold(message: SentMessage): void {
    if (message.bytes > HELD_MESSAGE_MAX) return;
    this.held.set(message.msgId, message);
    this.#heldBytes += message.bytes;
    for (const [id, m] of this.held) {
      if (this.#heldBytes <= HELD_BYTES) break;
      this.held.delete(id);
      this.#heldBytes -= m.bytes;
    }
  }

  /** The client acknowledged these server messages: they need not be kept for a resend any more. */
  acknowledged(msgIds: Iterable<bigint>): void {
    for (const id of msgIds) {
      const m = this.held.get(id);
      if (!m) continue;
      this.held.delete(id);
      this.#heldBytes -= m.bytes;
    }
  }

  /**
   * One msgs_state_info byte per client msg_id (core.telegram.org/mtproto/service_messages_about_messages):
   * 1 unknown (too old, forgotten), 2 not received (within the ids kept), 3 not received (too new), 4 received,
   * plus 8 already acknowledged, 16 not requiring acknowledgment, 32 RPC query processing or done, 64 answer generated.
   */
  stateOf(msgId: bigint, nowMs = Date.now()): number {
    const r = this.received.get(msgId);
    if (r) return 4 | (r.acked ? 8 : 0) | (r.contentRelated ? 0 : 16) | (r.query ? 32 : 0) | (r.answered ? 64 : 0);
    if ((msgId >> 32n) > BigInt(Math.floor(nowMs / 1000)) + FUTURE_SLACK_S) return 3;
    let lowest: bigint | undefined;
    let highest: bigint | undefined;
    for (const id of this.received.keys()) {
      if (lowest === undefined || id < lowest) lowest = id;
      if (highest === undefined || id > highest) highest = id;
    }
    if (lowest === undefined || msgId < lowest) return 1;
    return msgId > highest! ? 3 : 2;
  }

  /** A server msg_id the client asks about: sent and still held (4), sent and already acknowledged or forgotten (1). */
  sentStateOf(msgId: bigint): number {
    return this.held.has(msgId) ? 4 : 1;
  }
}

/** Sessions per auth key, kept beside the key record so another connection with the same key finds them. */
const sessionsByKey = new WeakMap<AuthKeyRecord, Map<bigint, SessionState>>();
const SESSIONS_KEPT = 64;

export function sessionsOf(key: AuthKeyRecord): Map<bigint, SessionState> {
  let sessions = sessionsByKey.get(key);
  if (!sessions) sessionsByKey.set(key, (sessions = new Map()));
  return sessions;
}

/** The session, and whether it is new to the server (then new_session_created goes out before the answer). */
export function openSession(key: AuthKeyRecord, sessionId: bigint, firstMsgId: bigint): { session: SessionState; created: boolean } {
  const sessions = sessionsOf(key);
  const known = sessions.get(sessionId);
  if (known) return { session: known, created: false };
  const session = new SessionState(sessionId, firstMsgId);
  sessions.set(sessionId, session);
  if (sessions.size > SESSIONS_KEPT) sessions.delete(sessions.keys().next().value!);
  return { session, created: true };
}
