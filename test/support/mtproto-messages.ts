// MTProto 2.0 encrypted messages on the client side, written from core.telegram.org/mtproto/description (not from
// the sandbox's code, so a test cannot inherit a server bug): key derivation, a client → server message with its
// quick-ack token, and a server → client message checked against its msg_key. The wire helpers all use it.
import { createHash, randomBytes } from 'node:crypto';
import { igeDecrypt, igeEncrypt } from '../../src/crypto/ige.ts';

export interface MessageFields {
  salt: bigint;
  sessionId: bigint;
  msgId: bigint;
  seqNo: number;
  body: Buffer;
}

const sha256 = (...parts: Uint8Array[]): Buffer => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();

/** AES key and IV from auth_key and msg_key; x = 0 client → server, 8 server → client (#defining-aes-key-and-initialization-vector). */
function aesKeyIv(authKey: Buffer, msgKey: Buffer, x: 0 | 8): { key: Buffer; iv: Buffer } {
  const a = sha256(msgKey, authKey.subarray(x, x + 36));
  const b = sha256(authKey.subarray(40 + x, 76 + x), msgKey);
  return {
    key: Buffer.concat([a.subarray(0, 8), b.subarray(8, 24), a.subarray(24, 32)]),
    iv: Buffer.concat([b.subarray(0, 8), a.subarray(8, 24), b.subarray(24, 32)]),
  };
}

/**
 * A client → server message under `authKey` (its id `keyId`): the payload, and the quick-ack token the server answers
 * it with (the first 32 bits of msg_key_large with the top bit set, #quick-ack). Padding: 12 to 27 random bytes.
 */
export function encryptClientMessage(authKey: Buffer, keyId: Buffer, m: MessageFields): { payload: Buffer; quickAckToken: number } {
  const head = Buffer.alloc(32);
  head.writeBigInt64LE(m.salt, 0);
  head.writeBigInt64LE(m.sessionId, 8);
  head.writeBigInt64LE(m.msgId, 16);
  head.writeInt32LE(m.seqNo, 24);
  head.writeInt32LE(m.body.length, 28);
  const unpadded = 32 + m.body.length;
  const plain = Buffer.concat([head, m.body, randomBytes(12 + ((16 - ((unpadded + 12) % 16)) % 16))]);
  const msgKeyLarge = sha256(authKey.subarray(88, 120), plain);
  const msgKey = msgKeyLarge.subarray(8, 24);
  const { key, iv } = aesKeyIv(authKey, msgKey, 0);
  return {
    payload: Buffer.concat([keyId, msgKey, igeEncrypt(plain, key, iv)]),
    quickAckToken: (msgKeyLarge.readUInt32LE(0) | 0x80000000) >>> 0,
  };
}

/** Decrypts a server → client message and checks its auth key id and msg_key. Bytes past whole AES blocks are ignored (padded intermediate's transport padding). */
export function decryptServerMessage(authKey: Buffer, keyId: Buffer, payload: Buffer): MessageFields {
  if (!payload.subarray(0, 8).equals(keyId)) throw new Error('a server message under another auth key');
  const msgKey = payload.subarray(8, 24);
  const { key, iv } = aesKeyIv(authKey, msgKey, 8);
  const plain = igeDecrypt(payload.subarray(24, 24 + ((payload.length - 24) & ~15)), key, iv);
  if (!sha256(authKey.subarray(96, 128), plain).subarray(8, 24).equals(msgKey)) throw new Error('a server message with a wrong msg_key');
  return {
    salt: plain.readBigInt64LE(0),
    sessionId: plain.readBigInt64LE(8),
    msgId: plain.readBigInt64LE(16),
    seqNo: plain.readInt32LE(24),
    body: plain.subarray(32, 32 + plain.readInt32LE(28)),
  };
}
