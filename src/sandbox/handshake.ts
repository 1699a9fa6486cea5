// Server side of the MTProto auth key exchange (core.telegram.org/mtproto/auth_key):
// req_pq_multi → resPQ, req_DH_params (RSA_PAD) → server_DH_params_ok, set_client_DH_params → dh_gen_ok.
import { generatePrimeSync, getDiffieHellman } from 'node:crypto';
import {
  bigIntToBytes, bytesToBigInt, igeDecrypt, igeEncrypt, modPow, randomBytes, rsaDecryptRaw, sha1, sha256, tmpAesKeyIv,
  type SandboxRsaKey,
} from './crypto.ts';
import { Api, BinaryReader, bigInt, readBigIntFromBuffer, toSignedLittleBuffer, type TLObject } from './tl.ts';

// RFC 3526 group 14: a documented 2048-bit safe prime with p mod 8 = 7, so g = 2 meets MTProto's generator check.
const DH = getDiffieHellman('modp14');
const DH_PRIME = DH.getPrime();
const DH_PRIME_N = bytesToBigInt(DH_PRIME);
const DH_G = 2;

export class HandshakeError extends Error {
  override name = 'HandshakeError';
}

export interface NewAuthKey {
  key: Buffer;
  /** Hex of the 8 bytes auth_key_id = SHA1(auth_key)[12..20], as they appear on the wire. */
  keyId: string;
  /** First server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8). */
  salt: bigint;
}

type Phase = 'idle' | 'pq-sent' | 'dh-sent';

/** One handshake in progress on one connection. */
export class Handshake {
  #phase: Phase = 'idle';
  #nonce?: any;
  #serverNonce?: any;
  #newNonce?: any;
  #p = 0n;
  #q = 0n;
  #a = 0n;
  #tmp?: { key: Buffer; iv: Buffer };

  constructor(private readonly rsa: SandboxRsaKey) {}

  /** Handles one unencrypted request; returns the answer and, when the exchange completes, the new key. */
  handle(request: TLObject): { answer: TLObject; authKey?: NewAuthKey } {
    switch (request.className) {
      case 'ReqPqMulti':
      case 'ReqPq':
        return { answer: this.#resPq(request) };
      case 'ReqDHParams':
        return { answer: this.#serverDhParams(request) };
      case 'SetClientDHParams':
        return this.#dhGen(request);
      default:
        throw new HandshakeError(`unexpected unencrypted ${request.className}`);
    }
  }

  #resPq(req: TLObject): TLObject {
    // Telegram's pq is a product of two primes below 2^32, factorised by the client as proof of work.
    let p = generatePrimeSync(31, { bigint: true }) as bigint;
    let q = generatePrimeSync(31, { bigint: true }) as bigint;
    while (q === p) q = generatePrimeSync(31, { bigint: true }) as bigint;
    if (p > q) [p, q] = [q, p];
    this.#p = p;
    this.#q = q;
    this.#nonce = req.nonce;
    this.#serverNonce = readBigIntFromBuffer(randomBytes(16), false, true);
    this.#phase = 'pq-sent';
    return new Api.ResPQ({
      nonce: req.nonce,
      serverNonce: this.#serverNonce,
      pq: bigIntToBytes(p * q),
      serverPublicKeyFingerprints: [bigInt(this.rsa.fingerprint)],
    }) as unknown as TLObject;
  }

  #serverDhParams(req: TLObject): TLObject {
    if (this.#phase !== 'pq-sent') throw new HandshakeError('req_DH_params before resPQ');
    this.#checkNonces(req);
    if (req.publicKeyFingerprint.toString() !== this.rsa.fingerprint) throw new HandshakeError('unknown RSA fingerprint');
    if (bytesToBigInt(req.p) !== this.#p || bytesToBigInt(req.q) !== this.#q) throw new HandshakeError('wrong p, q');

    // RSA_PAD: key_aes_encrypted = temp_key_xor(32) + aes_encrypted(224).
    const decrypted = bigIntToBytes(bytesToBigInt(rsaDecryptRaw(this.rsa, req.encryptedData)), 256);
    const aesEncrypted = decrypted.subarray(32);
    const tempKey = Buffer.alloc(32);
    const xorMask = sha256(aesEncrypted);
    for (let i = 0; i < 32; i++) tempKey[i] = decrypted[i]! ^ xorMask[i]!;
    const dataWithHash = igeDecrypt(aesEncrypted, tempKey, Buffer.alloc(32));
    const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse();
    if (!sha256(tempKey, dataWithPadding).equals(dataWithHash.subarray(192, 224))) throw new HandshakeError('RSA_PAD hash mismatch');

    const inner = new BinaryReader(dataWithPadding).tgReadObject() as TLObject;
    if (!String(inner.className).startsWith('PQInnerData')) throw new HandshakeError(`unexpected inner data ${inner.className}`);
    if (!inner.nonce.eq(this.#nonce) || !inner.serverNonce.eq(this.#serverNonce)) throw new HandshakeError('inner nonce mismatch');
    if (bytesToBigInt(inner.pq) !== this.#p * this.#q) throw new HandshakeError('inner pq mismatch');
    this.#newNonce = inner.newNonce;

    this.#a = bytesToBigInt(randomBytes(256));
    const gA = modPow(BigInt(DH_G), this.#a, DH_PRIME_N);
    const answer = (new Api.ServerDHInnerData({
      nonce: this.#nonce,
      serverNonce: this.#serverNonce,
      g: DH_G,
      dhPrime: DH_PRIME,
      gA: bigIntToBytes(gA, 256),
      serverTime: Math.floor(Date.now() / 1000),
    }) as unknown as TLObject).getBytes();
    const withHash = Buffer.concat([sha1(answer), answer]);
    const padded = Buffer.concat([withHash, randomBytes((16 - (withHash.length % 16)) % 16)]);
    this.#tmp = tmpAesKeyIv(toSignedLittleBuffer(this.#newNonce, 32), toSignedLittleBuffer(this.#serverNonce, 16));
    this.#phase = 'dh-sent';
    return new Api.ServerDHParamsOk({
      nonce: this.#nonce,
      serverNonce: this.#serverNonce,
      encryptedAnswer: igeEncrypt(padded, this.#tmp.key, this.#tmp.iv),
    }) as unknown as TLObject;
  }

  #dhGen(req: TLObject): { answer: TLObject; authKey: NewAuthKey } {
    if (this.#phase !== 'dh-sent' || !this.#tmp) throw new HandshakeError('set_client_DH_params before server_DH_params');
    this.#checkNonces(req);
    if (req.encryptedData.length % 16 !== 0) throw new HandshakeError('encrypted data not block aligned');
    const plain = igeDecrypt(req.encryptedData, this.#tmp.key, this.#tmp.iv);
    const reader = new BinaryReader(plain.subarray(20));
    const inner = reader.tgReadObject() as TLObject;
    if (inner.className !== 'ClientDHInnerData') throw new HandshakeError(`unexpected ${inner.className}`);
    if (!sha1(plain.subarray(20, 20 + reader.tellPosition())).equals(plain.subarray(0, 20))) throw new HandshakeError('client DH hash mismatch');
    if (!inner.nonce.eq(this.#nonce) || !inner.serverNonce.eq(this.#serverNonce)) throw new HandshakeError('client DH nonce mismatch');
    const gB = bytesToBigInt(inner.gB);
    if (gB <= 1n || gB >= DH_PRIME_N - 1n) throw new HandshakeError('g_b out of range');

    // Minimal big-endian bytes, leading zeros stripped: gramjs derives its key the same way, and msg_key offsets
    // into the key would disagree otherwise (about 1 handshake in 256).
    const key = bigIntToBytes(modPow(gB, this.#a, DH_PRIME_N));
    const keyHash = sha1(key);
    const keyId = keyHash.subarray(12, 20).toString('hex');
    const newNonce = toSignedLittleBuffer(this.#newNonce, 32);
    const serverNonce = toSignedLittleBuffer(this.#serverNonce, 16);
    const nonceHash = sha1(newNonce, Buffer.from([1]), keyHash.subarray(0, 8)).subarray(4, 20);
    const salt = newNonce.readBigInt64LE(0) ^ serverNonce.readBigInt64LE(0);
    this.#phase = 'idle';
    this.#tmp = undefined;
    return {
      answer: new Api.DhGenOk({
        nonce: this.#nonce,
        serverNonce: this.#serverNonce,
        newNonceHash1: readBigIntFromBuffer(nonceHash, true, true),
      }) as unknown as TLObject,
      authKey: { key, keyId, salt },
    };
  }

  #checkNonces(req: TLObject): void {
    if (!req.nonce.eq(this.#nonce) || !req.serverNonce.eq(this.#serverNonce)) throw new HandshakeError('nonce mismatch');
  }
}
