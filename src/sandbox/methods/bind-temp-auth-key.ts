// auth.bindTempAuthKey (core.telegram.org/method/auth.bindTempAuthKey, /api/pfs): called under a temporary key, it
// binds that key to a permanent one. The proof is encrypted_message: bind_auth_key_inner encrypted with the permanent
// key the MTProto 1.0 way (random:int128 in place of salt and session, the request's own msg_id, seqno 0,
// msg_len 40, msg_key = the lower 128 bits of SHA1 of the unpadded plaintext).
import { badRequest } from '../errors.ts';
import { igeDecrypt, messageKeyIvV1, sha1 } from '../crypto.ts';
import { fromBig, readObject, type TLObject } from '../tl.ts';
import type { AuthKeyRecord } from '../dc.ts';
import type { CallContext } from './context.ts';

const INNER_LENGTH = 40;

const invalid = () => badRequest('ENCRYPTED_MESSAGE_INVALID');

export function bindTempAuthKey(ctx: CallContext, req: TLObject): boolean {
  const temp = ctx.key;
  if (!temp.temporary) throw badRequest('TEMP_AUTH_KEY_EMPTY');
  const expiresAt = Number(req.expiresAt);
  if (!Number.isInteger(expiresAt) || expiresAt * 1000 <= Date.now()) throw badRequest('EXPIRES_AT_INVALID');
  const permKeyId = fromBig(req.permAuthKeyId);
  const { perm, inner } = openBindMessage(ctx, Buffer.from(req.encryptedMessage), permKeyId);

  if (fromBig(inner.nonce) !== fromBig(req.nonce)) throw invalid();
  if (fromBig(inner.tempAuthKeyId) !== temp.keyIdBytes.readBigInt64LE(0)) throw invalid();
  if (fromBig(inner.permAuthKeyId) !== permKeyId) throw invalid();
  if (fromBig(inner.tempSessionId) !== ctx.conn.sessionId) throw invalid();
  if (inner.expiresAt !== expiresAt) throw invalid();
  if (temp.boundTo && temp.boundTo !== perm) throw badRequest('TEMP_AUTH_KEY_ALREADY_BOUND');

  temp.bindTo(perm);
  // The key lives no longer than the client asked, nor than the server gave it at creation.
  temp.expiresAt = Math.min(temp.expiresAt!, expiresAt * 1000);
  return true;
}

/** Decrypts and checks encrypted_message's envelope; any mismatch is ENCRYPTED_MESSAGE_INVALID. */
function openBindMessage(ctx: CallContext, message: Buffer, permKeyId: bigint): { perm: AuthKeyRecord; inner: TLObject } {
  // auth_key_id(8) + msg_key(16) + at least random(16) msg_id(8) seqno(4) msg_len(4) inner(40), block aligned.
  if (message.length < 24 + 72 || (message.length - 24) % 16 !== 0) throw invalid();
  const keyIdBytes = message.subarray(0, 8);
  if (keyIdBytes.readBigInt64LE(0) !== permKeyId) throw invalid();
  const perm = ctx.dc.authKeys.get(keyIdBytes.toString('hex'));
  if (!perm || perm.temporary) throw invalid();

  const msgKey = message.subarray(8, 24);
  const { key, iv } = messageKeyIvV1(perm.key, msgKey, 0);
  const plain = igeDecrypt(message.subarray(24), key, iv);
  const length = plain.readInt32LE(28);
  if (length !== INNER_LENGTH || plain.length - (32 + length) >= 16) throw invalid();
  if (!sha1(plain.subarray(0, 32 + length)).subarray(4, 20).equals(msgKey)) throw invalid();
  if (plain.readBigInt64LE(16) !== ctx.msgId || plain.readInt32LE(24) !== 0) throw invalid();
  let inner: TLObject;
  try {
    inner = readObject(plain.subarray(32, 32 + length));
  } catch {
    throw invalid();
  }
  if (inner.className !== 'BindAuthKeyInner') throw invalid();
  return { perm, inner };
}
