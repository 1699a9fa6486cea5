// Error registry of the store: stable codes, one class. Callers branch on `code`, never on the message.

import { describeValue } from '../errors/describe-value.ts';
import { defineErrors } from '../errors/registry.ts';

// isStoreError matches by code, so copies of this module (or errors rebuilt after crossing a thread) still match.
export const { Codes: StoreErrorCodes, ErrorClass: StoreError, isError: isStoreError } = defineErrors('StoreError', [
  'SB_ERR_STORE_INVALID_ARGUMENT',
  'SB_ERR_STORE_INVALID_CURSOR',
  'SB_ERR_STORE_DUPLICATE_FILE',
  'SB_ERR_STORE_UNAVAILABLE',
  'SB_ERR_STORE_CLOSED',
  'SB_ERR_STORE_CONFIG',
  'SB_ERR_STORE_SCHEMA',
]);
export type StoreErrorCode = keyof typeof StoreErrorCodes;
export type StoreError = InstanceType<typeof StoreError>;

export const invalidArgument = (name: string, expected: string, value: unknown): StoreError =>
  new StoreError('SB_ERR_STORE_INVALID_ARGUMENT', `${name} must be ${expected} (got ${describeValue(value)})`);

export const invalidCursor = (): StoreError =>
  new StoreError('SB_ERR_STORE_INVALID_CURSOR', 'cursor is not one this store returned; start again from the first page');

export const duplicateFile = (messageId: number): StoreError =>
  new StoreError('SB_ERR_STORE_DUPLICATE_FILE', `a file is already registered for log message ${messageId}`);

export const unavailable = (what: string, cause?: unknown): StoreError =>
  new StoreError(
    'SB_ERR_STORE_UNAVAILABLE',
    `the database is unreachable, so ${what} is not possible right now; try again shortly`,
    { cause },
  );

export const closed = (): StoreError => new StoreError('SB_ERR_STORE_CLOSED', 'the store is closed');

