// What a failed Telegram call means for scheduling, as the RpcError fields the supervisor acts on:
//   retryable     the same request may succeed on another session (or later);
//   sessionFault  this session is the problem (its connection, its authorization), not the request;
//   authRevoked   the bot's authorization is gone: the session must log in again with its token;
//   fatal         retrying cannot help (the token itself is refused).
import { createRequire } from 'node:module';
import { RpcError, floodWait } from '../errors.ts';

const require = createRequire(import.meta.url);
const { errors } = require('telegram') as typeof import('telegram');

/** Every call on a DC whose connection is lost, and every new one while it stays lost. */
export class LinkDown extends Error {
  constructor(readonly dcId: number, why: string) {
    super(`DC ${dcId} is unreachable: ${why}`);
  }
}

/** A download sender gramjs dropped because the DC no longer knows its key; fetchBlock retries on a new one. */
export class SenderBroken extends Error {
  constructor(readonly dcId: number) {
    super(`the connection to DC ${dcId} was reset: the DC no longer knows this key`);
  }
}

/**
 * The bot's authorization is gone (revoked, or the home DC forgot the session's key): every call of this session
 * fails with it until the bot logs in again.
 */
export class AuthRevoked extends Error {
  constructor(readonly code: string, readonly dcId: number, why: string) {
    super(`the bot's authorization is gone (${why}); the session must log in again with its token`);
  }

  static homeKeyForgotten(dcId: number): AuthRevoked {
    return new AuthRevoked('AUTH_KEY_UNREGISTERED', dcId, `home DC ${dcId} no longer knows the session's auth key`);
  }
}

/** Telegram identifiers that mean the account's authorization is gone, whichever DC says so. */
const ACCOUNT_REVOKED = new Set(['SESSION_REVOKED', 'SESSION_EXPIRED', 'USER_DEACTIVATED', 'USER_DEACTIVATED_BAN']);
/** Identifiers that mean the key is not authorized; only on the home DC does that make the bot logged out. */
const KEY_UNAUTHORIZED = new Set(['AUTH_KEY_UNREGISTERED', 'AUTH_KEY_INVALID', 'AUTH_KEY_PERM_EMPTY']);
/** The bot token itself is refused: logging in again cannot help. */
const TOKEN_REFUSED = new Set(['ACCESS_TOKEN_INVALID', 'ACCESS_TOKEN_EXPIRED']);

/** Telegram's identifier of a gramjs RPC error without its number (FLOOD_WAIT_30 → FLOOD_WAIT), if it is one. */
export function rpcCodeOf(err: unknown): string | undefined {
  const message = (err as { errorMessage?: unknown } | null)?.errorMessage;
  return typeof message === 'string' ? message.replace(/_\d+$/, '') : undefined;
}

/** True when `err`, raised by a call to the home DC (`onHome`) or another DC, means the bot must log in again. */
export function isAuthRevoked(err: unknown, onHome: boolean): boolean {
  if (err instanceof AuthRevoked) return true;
  const code = rpcCodeOf(err);
  if (code === undefined) return false;
  if (ACCOUNT_REVOKED.has(code)) return true;
  return onHome && (KEY_UNAUTHORIZED.has(code) || (err as { code?: unknown }).code === 401);
}

export function isTokenRefused(err: unknown): boolean {
  const code = rpcCodeOf(err);
  return code !== undefined && TOKEN_REFUSED.has(code);
}

/**
 * Turns a gramjs error into the actor error the supervisor schedules on. `onHome` says whether the failed call went
 * to the bot's home DC (a 401 there means the bot is logged out; elsewhere only that DC's key is stale).
 */
export function toActorError(err: any, context: { onHome: boolean } = { onHome: true }): Error {
  if (err instanceof RpcError) return err;
  if (err instanceof errors.FloodWaitError) return floodWait(err.seconds);
  if (err instanceof LinkDown) return new RpcError('DC_UNREACHABLE', err.message, { dcId: err.dcId, retryable: true, sessionFault: true });
  if (err instanceof SenderBroken) return new RpcError('DC_CONNECTION_RESET', err.message, { dcId: err.dcId, retryable: true, sessionFault: true });
  if (err instanceof AuthRevoked) {
    return new RpcError(err.code, err.message, { dcId: err.dcId, rpcCode: 401, retryable: true, sessionFault: true, authRevoked: true });
  }
  const code = rpcCodeOf(err);
  if (code !== undefined) {
    const rpcCode = typeof err.code === 'number' ? err.code : undefined;
    if (isTokenRefused(err)) return new RpcError(code, `the bot token was refused (${err.errorMessage}): issue a new one with @BotFather`, { rpcCode, retryable: false, fatal: true });
    if (isAuthRevoked(err, context.onHome)) {
      return new RpcError(code, `the bot's authorization is gone (${err.errorMessage}); the session must log in again with its token`, { rpcCode, retryable: true, sessionFault: true, authRevoked: true });
    }
    // Telegram's own trouble: the request may well succeed elsewhere or later, and this session is not to blame.
    if (code.toUpperCase() === 'TIMEOUT' || (rpcCode !== undefined && Math.abs(rpcCode) >= 500)) {
      return new RpcError(code, err.errorMessage, { rpcCode, retryable: true, sessionFault: false });
    }
    return new RpcError(code, err.errorMessage, { rpcCode, retryable: code === 'FILE_REFERENCE_EXPIRED' });
  }
  return err instanceof Error ? err : new Error(String(err));
}
