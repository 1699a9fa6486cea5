// Server side of the MTProto auth key exchange (core.telegram.org/mtproto/auth_key):
// req_pq_multi → resPQ, req_DH_params → server_DH_params_ok, set_client_DH_params → dh_gen_ok.
// req_DH_params may carry its p_q_inner_data under RSA_PAD or the older SHA1 form (handshake/inner-data.ts), as
// p_q_inner_data, _dc, _temp or _temp_dc; the _temp forms make a temporary key that lives expires_in seconds
// (core.telegram.org/api/pfs). Several exchanges may run on one connection at once, told apart by their nonce.
import { generatePrimeSync, getDiffieHellman } from 'node:crypto';
import {
  bigIntToBytes, bytesToBigInt, igeDecrypt, igeEncrypt, modPow, randomBytes, sha1, tmpAesKeyIv, type SandboxRsaKey,
} from './crypto.ts';
import { readInnerData, type InnerDataForm } from './handshake/inner-data.ts';
import { Api, BinaryReader, bigInt, readBigIntFromBuffer, toSignedLittleBuffer, type TLObject } from './tl.ts';

// RFC 3526 group 14: a documented 2048-bit safe prime with p mod 8 = 7, so g = 2 meets MTProto's generator check.
const DH = getDiffieHellman('modp14');
const DH_PRIME = DH.getPrime();
const DH_PRIME_N = bytesToBigInt(DH_PRIME);
const DH_G = 2;

/** Exchanges one connection may have open at once: enough for a permanent and a temporary key side by side. */
const MAX_OPEN_EXCHANGES = 4;

/**
 * A refused exchange. Telegram answers an incorrect query with transport error -404 and keeps answering -404 on that
 * connection, even to correct queries; -444 when a test DC id is sent to a production DC
 * (core.telegram.org/mtproto/auth_key#6-server-responds-with).
 */
export class HandshakeError extends Error {
  override name = 'HandshakeError';
  constructor(message: string, readonly transportCode: -404 | -444 = -404) {
    super(message);
  }
}

export interface NewAuthKey {
  key: Buffer;
  /** Hex of the 8 bytes auth_key_id = SHA1(auth_key)[12..20], as they appear on the wire. */
  keyId: string;
  /** First server salt: substr(new_nonce, 0, 8) XOR substr(server_nonce, 0, 8). */
  salt: bigint;
  /** Seconds a temporary key lives (p_q_inner_data_temp*); absent for a permanent key. */
  expiresIn?: number;
  /** Which encryption the client used for its p_q_inner_data. */
  innerDataForm: InnerDataForm;
}

interface Exchange {
  phase: 'pq-sent' | 'dh-sent';
  nonce: any;
  serverNonce: any;
  p: bigint;
  q: bigint;
  newNonce?: any;
  a?: bigint;
  tmp?: { key: Buffer; iv: Buffer };
  expiresIn?: number;
  form?: InnerDataForm;
}

/** The auth key exchanges of one connection. */
export class Handshake {
  readonly #exchanges = new Map<string, Exchange>();
  #refused?: HandshakeError;

  /** `dcId`: the DC this connection reached, which p_q_inner_data_dc must name. */
  constructor(private readonly rsa: SandboxRsaKey, private readonly dcId: number) {}

  /** Handles one unencrypted request; returns the answer and, when an exchange completes, the new key. */
  handle(request: TLObject): { answer: TLObject; authKey?: NewAuthKey } {
    if (this.#refused) throw new HandshakeError(`after a refused exchange: ${this.#refused.message}`, this.#refused.transportCode);
    try {
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
    } catch (err) {
      if (err instanceof HandshakeError) {
        this.#refused = err;
        this.#exchanges.clear();
      }
      throw err;
    }
  }

  #resPq(req: TLObject): TLObject {
    // An abandoned exchange makes room for a new one rather than piling up.
    if (this.#exchanges.size >= MAX_OPEN_EXCHANGES) this.#exchanges.delete(this.#exchanges.keys().next().value!);
    // Telegram's pq is a product of two primes below 2^32, factorised by the client as proof of work.
    let p = generatePrimeSync(31, { bigint: true }) as bigint;
    let q = generatePrimeSync(31, { bigint: true }) as bigint;
    while (q === p) q = generatePrimeSync(31, { bigint: true }) as bigint;
    if (p > q) [p, q] = [q, p];
    const serverNonce = readBigIntFromBuffer(randomBytes(16), false, true);
    this.#exchanges.set(req.nonce.toString(), { phase: 'pq-sent', nonce: req.nonce, serverNonce, p, q });
    return new Api.ResPQ({
      nonce: req.nonce,
      serverNonce,
      pq: bigIntToBytes(p * q),
      serverPublicKeyFingerprints: [bigInt(this.rsa.fingerprint)],
    }) as unknown as TLObject;
  }

  #exchange(req: TLObject, phase: Exchange['phase']): Exchange {
    const ex = this.#exchanges.get(req.nonce.toString());
    if (!ex || !req.serverNonce.eq(ex.serverNonce)) throw new HandshakeError('nonce mismatch');
    if (ex.phase !== phase) throw new HandshakeError(`${req.className} out of order`);
    return ex;
  }

  #serverDhParams(req: TLObject): TLObject {
    const ex = this.#exchange(req, 'pq-sent');
    if (req.publicKeyFingerprint.toString() !== this.rsa.fingerprint) throw new HandshakeError('unknown RSA fingerprint');
    if (bytesToBigInt(req.p) !== ex.p || bytesToBigInt(req.q) !== ex.q) throw new HandshakeError('wrong p, q');

    const data = readInnerData(this.rsa, req.encryptedData);
    if (!data) throw new HandshakeError('encrypted_data is neither RSA_PAD nor SHA1-padded p_q_inner_data');
    const { inner } = data;
    if (!inner.nonce.eq(ex.nonce) || !inner.serverNonce.eq(ex.serverNonce)) throw new HandshakeError('inner nonce mismatch');
    if (bytesToBigInt(inner.pq) !== ex.p * ex.q || bytesToBigInt(inner.p) !== ex.p || bytesToBigInt(inner.q) !== ex.q) throw new HandshakeError('inner pq mismatch');
    if (data.dc !== undefined && data.dc !== this.dcId) {
      // Test DCs are numbered from 10000 (core.telegram.org/mtproto/auth_key#4-encrypted-data-payload-generation).
      if (Math.abs(data.dc) >= 10000) throw new HandshakeError(`test DC id ${data.dc} sent to a production DC`, -444);
      throw new HandshakeError(`inner data names DC ${data.dc}, this is DC ${this.dcId}`);
    }
    if (data.expiresIn !== undefined && !(Number.isInteger(data.expiresIn) && data.expiresIn > 0)) throw new HandshakeError(`expires_in ${data.expiresIn} is not a positive number of seconds`);
    ex.newNonce = inner.newNonce;
    ex.expiresIn = data.expiresIn;
    ex.form = data.form;

    ex.a = bytesToBigInt(randomBytes(256));
    const gA = modPow(BigInt(DH_G), ex.a, DH_PRIME_N);
    const answer = (new Api.ServerDHInnerData({
      nonce: ex.nonce,
      serverNonce: ex.serverNonce,
      g: DH_G,
      dhPrime: DH_PRIME,
      gA: bigIntToBytes(gA, 256),
      serverTime: Math.floor(Date.now() / 1000),
    }) as unknown as TLObject).getBytes();
    const withHash = Buffer.concat([sha1(answer), answer]);
    const padded = Buffer.concat([withHash, randomBytes((16 - (withHash.length % 16)) % 16)]);
    ex.tmp = tmpAesKeyIv(toSignedLittleBuffer(ex.newNonce, 32), toSignedLittleBuffer(ex.serverNonce, 16));
    ex.phase = 'dh-sent';
    return new Api.ServerDHParamsOk({
      nonce: ex.nonce,
      serverNonce: ex.serverNonce,
      encryptedAnswer: igeEncrypt(padded, ex.tmp.key, ex.tmp.iv),
    }) as unknown as TLObject;
  }

  #dhGen(req: TLObject): { answer: TLObject; authKey: NewAuthKey } {
    const ex = this.#exchange(req, 'dh-sent');
    const tmp = ex.tmp!;
    if (req.encryptedData.length % 16 !== 0 || req.encryptedData.length < 32) throw new HandshakeError('encrypted data not block aligned');
    const plain = igeDecrypt(req.encryptedData, tmp.key, tmp.iv);
    let inner: TLObject;
    let length: number;
    try {
      const reader = new BinaryReader(plain.subarray(20));
      inner = reader.tgReadObject() as TLObject;
      length = reader.tellPosition();
    } catch {
      throw new HandshakeError('client_DH_inner_data unreadable');
    }
    if (inner?.className !== 'ClientDHInnerData') throw new HandshakeError(`unexpected ${inner?.className}`);
    if (!sha1(plain.subarray(20, 20 + length)).equals(plain.subarray(0, 20))) throw new HandshakeError('client DH hash mismatch');
    if (!inner.nonce.eq(ex.nonce) || !inner.serverNonce.eq(ex.serverNonce)) throw new HandshakeError('client DH nonce mismatch');
    const gB = bytesToBigInt(inner.gB);
    if (gB <= 1n || gB >= DH_PRIME_N - 1n) throw new HandshakeError('g_b out of range');

    // Minimal big-endian bytes, leading zeros stripped: gramjs derives its key the same way, and msg_key offsets
    // into the key would disagree otherwise (about 1 handshake in 256).
    const key = bigIntToBytes(modPow(gB, ex.a!, DH_PRIME_N));
    const keyHash = sha1(key);
    const keyId = keyHash.subarray(12, 20).toString('hex');
    const newNonce = toSignedLittleBuffer(ex.newNonce, 32);
    const serverNonce = toSignedLittleBuffer(ex.serverNonce, 16);
    const nonceHash = sha1(newNonce, Buffer.from([1]), keyHash.subarray(0, 8)).subarray(4, 20);
    const salt = newNonce.readBigInt64LE(0) ^ serverNonce.readBigInt64LE(0);
    this.#exchanges.delete(ex.nonce.toString());
    return {
      answer: new Api.DhGenOk({
        nonce: ex.nonce,
        serverNonce: ex.serverNonce,
        newNonceHash1: readBigIntFromBuffer(nonceHash, true, true),
      }) as unknown as TLObject,
      authKey: { key, keyId, salt, expiresIn: ex.expiresIn, innerDataForm: ex.form! },
    };
  }
}
