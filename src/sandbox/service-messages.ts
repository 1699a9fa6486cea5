// Answers to MTProto service messages (core.telegram.org/mtproto/service_messages,
// core.telegram.org/mtproto/service_messages_about_messages). Everything else is an RPC query for the methods.
import type { AuthKeyRecord } from './dc.ts';
import { sessionsOf, type SentMessage, type SessionState } from './session-state.ts';
import { Api, fromBig, futureSaltsBytes, msgsStateInfoBytes, toBig, type TLObject } from './tl.ts';

export type ServiceAnswer =
  | { kind: 'message'; body: Buffer; contentRelated: boolean; response: boolean }
  | { kind: 'rpc-result'; body: Buffer }
  | { kind: 'resend'; message: SentMessage };

/** Future salts handed out per get_future_salts: the DC keeps one salt per auth key, valid for this long per entry. */
const SALT_PERIOD_S = 3600;
const MAX_FUTURE_SALTS = 64;

const message = (obj: TLObject, contentRelated: boolean, response = true): ServiceAnswer => ({ kind: 'message', body: obj.getBytes(), contentRelated, response });

/** The answers to a service message, or undefined when `obj` is an RPC query. */
export function serviceAnswer(obj: TLObject, msgId: bigint, session: SessionState, key: AuthKeyRecord): ServiceAnswer[] | undefined {
  switch (obj.className) {
    case 'MsgsAck':
      session.acknowledged(obj.msgIds.map(fromBig));
      return [];
    // Not content-related, answered by nothing; an HTTP long poll has no meaning on a TCP connection.
    case 'HttpWait':
    // Voluntary information about messages, and the answer to a state request the server never sends.
    case 'MsgsAllInfo':
    case 'MsgsStateInfo':
    case 'MsgDetailedInfo':
    case 'MsgNewDetailedInfo':
      return [];
    case 'Ping':
    case 'PingDelayDisconnect':
      return [message(new Api.Pong({ msgId: toBig(msgId), pingId: obj.pingId }) as unknown as TLObject, false)];
    case 'GetFutureSalts':
      return [{ kind: 'message', body: futureSalts(obj.num, msgId, key), contentRelated: true, response: true }];
    case 'MsgsStateReq':
      return [stateInfo(msgId, obj.msgIds.map(fromBig), (id) => session.stateOf(id))];
    case 'MsgResendReq':
    case 'MsgResendAnsReq': {
      const ids: bigint[] = obj.msgIds.map(fromBig);
      const held = ids.map((id) => session.held.get(id));
      if (held.every((m) => m !== undefined)) return held.map((m) => ({ kind: 'resend', message: m! }));
      // Some message is unknown, forgotten or the client's own: msgs_state_info for all, as if it were msgs_state_req.
      return [stateInfo(msgId, ids, (id) => ((id & 3n) === 0n ? session.stateOf(id) : session.sentStateOf(id)))];
    }
    case 'DestroySession': {
      const id = fromBig(obj.sessionId);
      const sessions = sessionsOf(key);
      const known = sessions.has(id) && id !== session.id;
      if (known) sessions.delete(id);
      const answer = known ? new Api.DestroySessionOk({ sessionId: obj.sessionId }) : new Api.DestroySessionNone({ sessionId: obj.sessionId });
      return [message(answer as unknown as TLObject, false)];
    }
    case 'RpcDropAnswer': {
      const req = fromBig(obj.reqMsgId);
      const r = session.received.get(req);
      let answer: TLObject;
      if (r?.query && !r.answered) {
        session.dropped.add(req);
        answer = new Api.RpcAnswerDroppedRunning() as unknown as TLObject;
      } else {
        answer = new Api.RpcAnswerUnknown() as unknown as TLObject;
      }
      return [{ kind: 'rpc-result', body: answer.getBytes() }];
    }
    default:
      return undefined;
  }
}

/**
 * future_salts, answered as itself (not in rpc_result) with req_msg_id. The DC accepts one salt per auth key for
 * the key's life, so every entry carries it, the first valid from now.
 */
function futureSalts(num: number, reqMsgId: bigint, key: AuthKeyRecord): Buffer {
  const now = Math.floor(Date.now() / 1000);
  const n = Math.max(1, Math.min(MAX_FUTURE_SALTS, num | 0));
  const salts = Array.from({ length: n }, (_, i) => ({ validSince: now + i * SALT_PERIOD_S, validUntil: now + (i + 1) * SALT_PERIOD_S, salt: key.salt }));
  return futureSaltsBytes(reqMsgId, now, salts);
}

/** msgs_state_info: one state byte per asked msg_id; it acknowledges the request itself, so needs no ack. */
function stateInfo(reqMsgId: bigint, ids: bigint[], state: (id: bigint) => number): ServiceAnswer {
  return { kind: 'message', body: msgsStateInfoBytes(reqMsgId, Buffer.from(ids.map(state))), contentRelated: false, response: true };
}
