// Which MongoDB failures mean "the database is unreachable" (as opposed to a bug or bad data), and a small retry
// for the ones worth retrying. The driver already retries a single read or write once on replica sets (retryable
// reads/writes); this covers standalone servers and connection drops the driver hands back to us.

import { setTimeout as sleep } from 'node:timers/promises';
import { MongoError, MongoNetworkError, MongoServerSelectionError } from 'mongodb';

// https://github.com/mongodb/specifications/blob/master/source/retryable-writes/retryable-writes.md#terms
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

export function isUnavailableError(err: unknown): boolean {
  if (err instanceof MongoNetworkError || err instanceof MongoServerSelectionError) return true;
  if (err instanceof MongoError) {
    if (err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('ResetPool')) return true;
    return typeof err.code === 'number' && UNAVAILABLE_CODES.has(err.code);
  }
  return false;
}

export const isDuplicateKey = (err: unknown): boolean => err instanceof MongoError && err.code === 11000;

/** The command was never written to a socket, so even an increment can be sent again. */
const neverSent = (err: unknown): boolean => (err as Error).name === 'MongoPoolClearedError';

/**
 * Retries a transient failure up to twice. A non-idempotent operation (an $inc) is retried only when it provably
 * never reached the server: after a dropped connection we cannot know whether it was applied.
 * Server selection errors are not retried: the driver already waited serverSelectionTimeoutMS.
 */
export async function withRetry<T>(op: () => Promise<T>, idempotent: boolean, attempts = 3): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await op();
    } catch (err) {
      const retry = i < attempts - 1 && isUnavailableError(err) && !(err instanceof MongoServerSelectionError) && (idempotent || neverSent(err));
      if (!retry) throw err;
      await sleep(50 * 3 ** i);
    }
  }
}

/** Error text without anything that could be a connection string (they carry credentials). */
export function safeMessage(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/mongodb(\+srv)?:\/\/\S+/gi, 'mongodb://[redacted]');
}
