// Reading the p_q_inner_data a client sends in req_DH_params (core.telegram.org/mtproto/auth_key, step 4).
// Two encryptions are in use: RSA_PAD (step 4.1) and the older RSA(SHA1(data) + data + padding) that clients still
// send and Telegram still accepts. The server tells them apart the only way it can: RSA_PAD's hash is checked
// first, then the SHA1 form's; a message that passes neither is refused.
import { bigIntToBytes, bytesToBigInt, igeDecrypt, rsaDecryptRaw, sha1, sha256, type SandboxRsaKey } from '../crypto.ts';
import { BinaryReader, type TLObject } from '../tl.ts';

export type InnerDataForm = 'rsa-pad' | 'sha1';

/** The four p_q_inner_data constructors (gramjs class names) and what each carries. */
const INNER_DATA = new Map<string, { dc: boolean; temp: boolean }>([
  ['PQInnerData', { dc: false, temp: false }],
  ['PQInnerDataDc', { dc: true, temp: false }],
  ['PQInnerDataTemp', { dc: false, temp: true }],
  ['PQInnerDataTempDc', { dc: true, temp: true }],
]);

export interface InnerData {
  form: InnerDataForm;
  inner: TLObject;
  /** The dc field, when the constructor has one. */
  dc?: number;
  /** expires_in of a temporary key, in seconds. */
  expiresIn?: number;
}

/**
 * Decrypts req_DH_params's encrypted_data with the server's key; returns null when it is neither form (a wrong key,
 * a corrupted or forged message, or inner data that is not p_q_inner_data).
 */
export function readInnerData(rsa: SandboxRsaKey, encrypted: Uint8Array): InnerData | null {
  if (encrypted.length === 0 || encrypted.length > 256) return null;
  let decrypted: Buffer;
  try {
    // Raw RSA takes exactly the modulus length; a client may have dropped leading zero bytes.
    const input = Buffer.concat([Buffer.alloc(256 - encrypted.length), encrypted]);
    decrypted = bigIntToBytes(bytesToBigInt(rsaDecryptRaw(rsa, input)), 256);
  } catch {
    return null; // not below the modulus
  }
  const parsed = fromRsaPad(decrypted) ?? fromSha1Form(decrypted);
  if (!parsed) return null;
  const kind = INNER_DATA.get(parsed.inner.className);
  if (!kind) return null;
  return {
    ...parsed,
    dc: kind.dc ? parsed.inner.dc : undefined,
    expiresIn: kind.temp ? parsed.inner.expiresIn : undefined,
  };
}

/** RSA_PAD: temp_key_xor(32) + AES256_IGE(BYTE_REVERSE(data_with_padding) + SHA256(temp_key + data_with_padding)). */
function fromRsaPad(decrypted: Buffer): { form: InnerDataForm; inner: TLObject } | null {
  const aesEncrypted = decrypted.subarray(32);
  const xorMask = sha256(aesEncrypted);
  const tempKey = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) tempKey[i] = decrypted[i]! ^ xorMask[i]!;
  const dataWithHash = igeDecrypt(aesEncrypted, tempKey, Buffer.alloc(32));
  const dataWithPadding = Buffer.from(dataWithHash.subarray(0, 192)).reverse();
  if (!sha256(tempKey, dataWithPadding).equals(dataWithHash.subarray(192, 224))) return null;
  const inner = readTl(dataWithPadding);
  return inner && { form: 'rsa-pad', inner: inner.obj };
}

/** The older form: the 255 bytes SHA1(data) + data + random padding, raw RSA (so the top byte is zero). */
function fromSha1Form(decrypted: Buffer): { form: InnerDataForm; inner: TLObject } | null {
  if (decrypted[0] !== 0) return null;
  const hash = decrypted.subarray(1, 21);
  const inner = readTl(decrypted.subarray(21));
  if (!inner || !sha1(decrypted.subarray(21, 21 + inner.length)).equals(hash)) return null;
  return { form: 'sha1', inner: inner.obj };
}

function readTl(data: Buffer): { obj: TLObject; length: number } | null {
  try {
    const reader = new BinaryReader(data);
    const obj = reader.tgReadObject() as TLObject;
    if (!obj || typeof obj !== 'object' || typeof obj.className !== 'string') return null;
    return { obj, length: reader.tellPosition() };
  } catch {
    return null;
  }
}
