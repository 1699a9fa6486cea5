// Reads the body of an encrypted message into TL objects, answering what cannot be read the way Telegram does
// (core.telegram.org/api/errors, 400 BAD_REQUEST): the message is answered with an rpc_error to its own msg_id and
// the connection stays up. Containers are split by hand so each inner message keeps its own msg_id even when its
// body is unreadable.
import { createRequire } from 'node:module';
import { RpcError, badRequest } from './errors.ts';
import { Api, ID, LAYER, readObject, type TLObject } from './tl.ts';

const require = createRequire(import.meta.url);
const { TypeNotFoundError } = require('telegram/errors') as { TypeNotFoundError: new (...a: any[]) => Error & { invalidConstructorId: number; remaining: Buffer } };

/** Layers the sandbox answers in: the one of gramjs's TL schema it is built on (core.telegram.org/api/invoking#layers). */
export const SERVED_LAYERS: readonly number[] = [LAYER];

export interface Inbound {
  msgId: bigint;
  seqNo: number;
  /** The object, or the error the message is to be answered with. */
  obj?: TLObject;
  error?: RpcError;
}

const WRAPPER_IDS = {
  invokeWithLayer: Api.InvokeWithLayer.CONSTRUCTOR_ID >>> 0,
  invokeWithoutUpdates: Api.InvokeWithoutUpdates.CONSTRUCTOR_ID >>> 0,
  initConnection: Api.InitConnection.CONSTRUCTOR_ID >>> 0,
  inputClientProxy: Api.InputClientProxy.CONSTRUCTOR_ID >>> 0,
};

/** Splits a message into the messages it carries (itself, or a msg_container's list) and reads each body. */
export async function readInbound(msgId: bigint, seqNo: number, body: Buffer): Promise<Inbound[]> {
  if (body.length >= 8 && body.readUInt32LE(0) === ID.msgContainer) {
    const inner = splitContainer(body);
    if (!inner) return [{ msgId, seqNo, error: badRequest('INPUT_FETCH_FAIL') }];
    return (await Promise.all(inner.map((m) => readInbound(m.msgId, m.seqNo, m.body)))).flat();
  }
  try {
    const obj = await readObject(body);
    if (obj?.className === 'GZIPPacked') return readInbound(msgId, seqNo & ~1, obj.data);
    return [{ msgId, seqNo, obj }];
  } catch (err) {
    return [{ msgId, seqNo, error: unreadable(err, body) }];
  }
}

/** msg_container#73f1f8dc messages:vector<%Message>; message msg_id:long seqno:int bytes:int body:Object. */
function splitContainer(body: Buffer): { msgId: bigint; seqNo: number; body: Buffer }[] | undefined {
  const count = body.readInt32LE(4);
  if (count < 0 || count > 1024) return undefined;
  const out: { msgId: bigint; seqNo: number; body: Buffer }[] = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    if (at + 16 > body.length) return undefined;
    const length = body.readInt32LE(at + 12);
    if (length < 0 || length % 4 !== 0 || at + 16 + length > body.length) return undefined;
    out.push({ msgId: body.readBigInt64LE(at), seqNo: body.readInt32LE(at + 8), body: body.subarray(at + 16, at + 16 + length) });
    at += 16 + length;
  }
  return out;
}

/**
 * Telegram's answers to a request it cannot read: an unknown method INPUT_METHOD_INVALID_<constructor as unsigned
 * decimal>, an unknown constructor inside a request INPUT_CONSTRUCTOR_INVALID_<constructor as 8 upper-case hex
 * digits>, and a body that ends early or is malformed INPUT_FETCH_FAIL.
 */
function unreadable(err: unknown, body: Buffer): RpcError {
  if (err instanceof TypeNotFoundError) {
    const id = err.invalidConstructorId >>> 0;
    const at = body.length - err.remaining.length;
    if (at === queryOffset(body)) return badRequest(`INPUT_METHOD_INVALID_${id}`);
    return badRequest(`INPUT_CONSTRUCTOR_INVALID_${id.toString(16).toUpperCase().padStart(8, '0')}`);
  }
  return badRequest('INPUT_FETCH_FAIL');
}

/** Where the innermost query starts once invokeWithLayer, invokeWithoutUpdates and initConnection are skipped. */
function queryOffset(body: Buffer): number {
  let at = 0;
  try {
    for (;;) {
      const id = body.readUInt32LE(at);
      if (id === WRAPPER_IDS.invokeWithLayer) at += 8;
      else if (id === WRAPPER_IDS.invokeWithoutUpdates) at += 4;
      else if (id === WRAPPER_IDS.initConnection) {
        const flags = body.readInt32LE(at + 4);
        at += 12; // constructor, flags, api_id
        for (let i = 0; i < 6; i++) at = skipString(body, at);
        if (flags & 1) {
          if (body.readUInt32LE(at) !== WRAPPER_IDS.inputClientProxy) return -1;
          at = skipString(body, at + 4) + 4;
        }
        if (flags & 2) return -1; // params:JSONValue is not worth walking for this
      } else return at;
    }
  } catch {
    return -1;
  }
}

function skipString(body: Buffer, at: number): number {
  const first = body[at];
  if (first === undefined) throw new RangeError('string past the end');
  const [head, length] = first < 254 ? [1, first] : [4, body.readUIntLE(at + 1, 3)];
  return at + Math.ceil((head + length) / 4) * 4;
}

/** A layer announced with invokeWithLayer that the sandbox has no schema for: a 400 that names the layers it serves. */
export function layerError(layer: number): RpcError | undefined {
  if (SERVED_LAYERS.includes(layer)) return undefined;
  return badRequest(`INPUT_LAYER_INVALID_${SERVED_LAYERS.join('_')}`);
}
