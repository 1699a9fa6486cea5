// Errors of the actor layer: the SB_ERR_* registry raised by the supervisor, the RpcError a session worker
// raises for a Telegram RPC failure, and the serializeError/deserializeError pair that carries either across a
// worker boundary without losing `code`, `seconds` or any other typed field (structured clone keeps only
// name/message/stack of an Error, and comlink's default throw handler keeps even less).

import { defineErrorCatalog } from '../src/errors/registry.ts';

export const { Codes: SbErrorCodes, ErrorClass: SbError } = defineErrorCatalog('SbError', 'StreamBotError', {
  SB_ERR_INVALID_OPTION: 'invalid option',
  SB_ERR_SESSION_EXITED: 'the session worker exited while the call was pending',
  SB_ERR_SESSION_UNRESPONSIVE: 'the session worker did not answer the heartbeat in time',
  SB_ERR_SESSION_CALL_TIMEOUT: 'the session worker did not answer the call in time',
  SB_ERR_SESSION_BOOTSTRAP: 'the session worker failed while starting',
  SB_ERR_BLOCK_RETRIES_EXHAUSTED: 'the job failed on every attempt',
  SB_ERR_STALLED: 'no session made progress for the stall timeout while the job waited',
  SB_ERR_SESSION_UNAUTHORIZED: 'the bot of the session lost its authorization (revoked or deactivated)',
  SB_ERR_NO_SESSION: 'every session has failed; no session can take the job',
  SB_ERR_SUPERVISOR_STOPPED: 'the supervisor is stopped',
});

export type SbErrorCode = keyof typeof SbErrorCodes;
/** An error raised by StreamBot itself; `code` is stable, the message may change. */
export type SbError = InstanceType<typeof SbError>;

/**
 * A Telegram RPC failure as reported by a session worker. `code` is Telegram's error identifier with the number
 * stripped (FLOOD_WAIT_30 → code 'FLOOD_WAIT', seconds 30; FILE_MIGRATE_4 → 'FILE_MIGRATE', dcId 4).
 */
export class RpcError extends Error {
  readonly code: string;
  /** FLOOD_WAIT and similar: how long Telegram asked us to wait. */
  seconds?: number;
  /** *_MIGRATE: the data centre to use instead. */
  dcId?: number;
  /** Telegram's numeric error class (420 for flood, 303 for migrate, 400 for bad request). */
  rpcCode?: number;
  /** Whether the same request may succeed on another session; FLOOD_WAIT is always retryable. */
  retryable?: boolean;
  [field: string]: unknown;

  constructor(code: string, message?: string, fields?: Partial<Pick<RpcError, 'seconds' | 'dcId' | 'rpcCode' | 'retryable'>> & Record<string, unknown>) {
    super(message ?? code);
    Object.assign(this, fields);
    this.code = code;
  }

  static {
    Object.defineProperty(this.prototype, 'name', { value: 'RpcError', enumerable: false, writable: true });
  }
}

export function floodWait(seconds: number, message?: string): RpcError {
  return new RpcError('FLOOD_WAIT', message ?? `A wait of ${seconds} seconds is required`, { seconds, rpcCode: 420, retryable: true });
}

export function isFloodWait(err: unknown): err is RpcError & { seconds: number } {
  return err instanceof Error && (err as { code?: unknown }).code === 'FLOOD_WAIT' && typeof (err as { seconds?: unknown }).seconds === 'number';
}

export function isSbError(err: unknown, code?: SbErrorCode): err is SbError {
  if (!(err instanceof Error)) return false;
  const actual = (err as Error & { code?: unknown }).code;
  return typeof actual === 'string' && actual.startsWith('SB_ERR_') && (code === undefined || actual === code);
}

/** Plain, structured-clone-safe form of an error. The marker lets the receiver tell it from a thrown plain value. */
export interface SerializedError {
  __sbSerializedError: 1;
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** Own enumerable fields with cloneable values (seconds, dcId, rpcCode, retryable, …). */
  fields: Record<string, unknown>;
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 4;

// gramjs error classes carry the Telegram identifier in the class, not in a string field.
const GRAMJS_CODES: Record<string, string> = {
  FloodWaitError: 'FLOOD_WAIT',
  FloodTestPhoneWaitError: 'FLOOD_TEST_PHONE_WAIT',
  SlowModeWaitError: 'SLOWMODE_WAIT',
  FileMigrateError: 'FILE_MIGRATE',
  NetworkMigrateError: 'NETWORK_MIGRATE',
  UserMigrateError: 'USER_MIGRATE',
  PhoneMigrateError: 'PHONE_MIGRATE',
};

export function isSerializedError(value: unknown): value is SerializedError {
  return typeof value === 'object' && value !== null && (value as { __sbSerializedError?: unknown }).__sbSerializedError === 1;
}

export function serializeError(err: unknown, depth = 0): SerializedError {
  if (isSerializedError(err)) return err;
  if (!(err instanceof Error)) {
    return { __sbSerializedError: 1, name: 'NonErrorThrown', message: describeNonError(err), fields: {} };
  }
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(err)) {
    if (key === 'name' || key === 'message' || key === 'stack' || key === 'cause' || key === 'code') continue;
    const value = (err as unknown as Record<string, unknown>)[key];
    if (isCloneablePlain(value)) fields[key] = value;
  }
  let name = err.name;
  const rawCode = (err as { code?: unknown }).code;
  let code = typeof rawCode === 'string' ? rawCode : undefined;
  const gramjsCode = GRAMJS_CODES[err.constructor?.name ?? ''];
  if (gramjsCode !== undefined || (typeof rawCode === 'number' && typeof fields.errorMessage === 'string')) {
    // A gramjs RPCError: numeric class in `code`, identifier in the class name or errorMessage.
    name = 'RpcError';
    code = gramjsCode ?? String(fields.errorMessage).replace(/_\d+$/, '');
    if (typeof rawCode === 'number') fields.rpcCode = rawCode;
    if (typeof fields.newDc === 'number') fields.dcId = fields.newDc;
    delete fields.newDc;
  } else if (typeof rawCode === 'number') {
    fields.code = rawCode;
  }
  const out: SerializedError = { __sbSerializedError: 1, name, message: err.message, stack: err.stack, fields };
  if (code !== undefined) out.code = code;
  if (err.cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError,
};

export function deserializeError(value: unknown): Error {
  if (value instanceof Error) return value;
  if (!isSerializedError(value)) return new Error(describeNonError(value));
  const cause = value.cause === undefined ? undefined : deserializeError(value.cause);
  let err: Error;
  if (value.name === 'StreamBotError' && value.code !== undefined && value.code in SbErrorCodes) {
    err = new SbError(value.code as SbErrorCode, undefined, value.fields);
    err.message = value.message;
    if (cause !== undefined) err.cause = cause;
  } else if (value.name === 'RpcError' && value.code !== undefined) {
    err = new RpcError(value.code, value.message, value.fields);
    if (cause !== undefined) err.cause = cause;
  } else {
    const Ctor = ERROR_CLASSES[value.name] ?? Error;
    err = new Ctor(value.message, cause === undefined ? undefined : { cause });
    if (!(value.name in ERROR_CLASSES)) Object.defineProperty(err, 'name', { value: value.name, enumerable: false, writable: true, configurable: true });
    Object.assign(err, value.fields);
    if (value.code !== undefined) (err as Error & { code?: string }).code = value.code;
  }
  if (value.stack !== undefined) err.stack = value.stack;
  return err;
}

function isCloneablePlain(value: unknown, depth = 0): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string': case 'number': case 'boolean': case 'bigint': return true;
    case 'object': {
      if (depth > 2) return false;
      if (Array.isArray(value)) return value.every((v) => isCloneablePlain(v, depth + 1));
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      return Object.values(value as object).every((v) => isCloneablePlain(v, depth + 1));
    }
    default: return false;
  }
}

function describeNonError(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return `non-error value thrown: ${JSON.stringify(value)}`;
  } catch {
    return `non-error value thrown: ${String(value)}`;
  }
}
