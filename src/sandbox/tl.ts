// TL (de)serialization for the sandbox, borrowed from gramjs's generated schema so that the server reads and writes
// exactly the layer the pinned client speaks. Only the sandbox imports gramjs this way; the app's main thread never does.
import { createRequire } from 'node:module';
import type { Api as ApiNs } from 'telegram';

const require = createRequire(import.meta.url);
const telegram = require('telegram') as typeof import('telegram');
const extensions = require('telegram/extensions') as { BinaryReader: new (data: Buffer) => { tgReadObject(): unknown; tellPosition(): number } };
const helpers = require('telegram/Helpers') as {
  readBigIntFromBuffer(buffer: Buffer, little?: boolean, signed?: boolean): any;
  toSignedLittleBuffer(big: any, number?: number): Buffer;
};
const allTl = require('telegram/tl/AllTLObjects') as { LAYER: number };

export const Api = telegram.Api;
export type Api = typeof ApiNs;
export const BinaryReader = extensions.BinaryReader;
export const bigInt = require('big-integer') as typeof import('big-integer');
export type BigInteger = import('big-integer').BigInteger;
export const LAYER = allTl.LAYER;
export const { readBigIntFromBuffer, toSignedLittleBuffer } = helpers;

/** A TL object as gramjs builds it: anything with getBytes(). */
export interface TLObject {
  className: string;
  CONSTRUCTOR_ID: number;
  getBytes(): Buffer;
  [key: string]: any;
}

/** Reads one boxed TL object (request or type) from a buffer. */
export function readObject(data: Buffer): TLObject {
  return new BinaryReader(data).tgReadObject() as TLObject;
}

export const ID = {
  rpcResult: 0xf35c6d01,
  rpcError: 0x2144ca19,
  msgContainer: 0x73f1f8dc,
  gzipPacked: 0x3072cfa1,
  vector: 0x1cb5c415,
  boolTrue: 0x997275b5,
  boolFalse: 0xbc799737,
  uploadFile: 0x096a18d5,
  storageFilePartial: 0x40bc6f52,
} as const;

export function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32LE(n | 0, 0);
  return b;
}

export function uint32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

export function long(n: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64LE(BigInt.asIntN(64, n), 0);
  return b;
}

/** TL `bytes`/`string` header for a payload of `length` bytes, plus the padding that must follow it. */
export function bytesHeader(length: number): { head: Buffer; pad: Buffer } {
  const head = length < 254
    ? Buffer.from([length])
    : Buffer.from([254, length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff]);
  const pad = Buffer.alloc((4 - ((head.length + length) % 4)) % 4);
  return { head, pad };
}

export function tlBytes(data: Buffer): Buffer {
  const { head, pad } = bytesHeader(data.length);
  return Buffer.concat([head, data, pad]);
}

/** rpc_error#2144ca19 error_code:int error_message:string */
export function rpcErrorBytes(code: number, message: string): Buffer {
  return Buffer.concat([uint32(ID.rpcError), int32(code), tlBytes(Buffer.from(message, 'utf8'))]);
}

/** Vector<T> of boxed objects. */
export function vectorBytes(items: Buffer[]): Buffer {
  return Buffer.concat([uint32(ID.vector), int32(items.length), ...items]);
}

export function boolBytes(value: boolean): Buffer {
  return uint32(value ? ID.boolTrue : ID.boolFalse);
}

/** gramjs longs are big-integer instances; the sandbox's state keeps native bigints. */
export const toBig = (n: bigint | number): BigInteger => bigInt(n.toString());
export const fromBig = (n: BigInteger | number | bigint): bigint => BigInt(n.toString());

/**
 * future_salts#ae500895 req_msg_id:long now:int salts:vector<future_salt>, with the bare vector of bare
 * future_salt (valid_since:int valid_until:int salt:long) the schema gives: gramjs's class boxes each item.
 */
export function futureSaltsBytes(reqMsgId: bigint, now: number, salts: { validSince: number; validUntil: number; salt: bigint }[]): Buffer {
  const out = Buffer.alloc(20 + 16 * salts.length);
  out.writeUInt32LE(0xae500895, 0);
  out.writeBigInt64LE(BigInt.asIntN(64, reqMsgId), 4);
  out.writeInt32LE(now, 12);
  out.writeInt32LE(salts.length, 16);
  salts.forEach((s, i) => {
    out.writeInt32LE(s.validSince, 20 + 16 * i);
    out.writeInt32LE(s.validUntil, 24 + 16 * i);
    out.writeBigInt64LE(BigInt.asIntN(64, s.salt), 28 + 16 * i);
  });
  return out;
}

/** msgs_state_info#04deb57d req_msg_id:long info:string; the info bytes are states, not UTF-8 text. */
export function msgsStateInfoBytes(reqMsgId: bigint, info: Buffer): Buffer {
  return Buffer.concat([uint32(0x04deb57d), long(reqMsgId), tlBytes(info)]);
}
