// Error registry of the store: stable codes, one class. Callers branch on `code`, never on the message.

export const StoreErrorCodes = {
  SB_ERR_STORE_INVALID_ARGUMENT: 'SB_ERR_STORE_INVALID_ARGUMENT',
  SB_ERR_STORE_INVALID_CURSOR: 'SB_ERR_STORE_INVALID_CURSOR',
  SB_ERR_STORE_DUPLICATE_FILE: 'SB_ERR_STORE_DUPLICATE_FILE',
  SB_ERR_STORE_UNAVAILABLE: 'SB_ERR_STORE_UNAVAILABLE',
  SB_ERR_STORE_CLOSED: 'SB_ERR_STORE_CLOSED',
  SB_ERR_STORE_CONFIG: 'SB_ERR_STORE_CONFIG',
  SB_ERR_STORE_SCHEMA: 'SB_ERR_STORE_SCHEMA',
} as const;

export type StoreErrorCode = keyof typeof StoreErrorCodes;

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  // Checked by shape so that copies of this module (or errors rebuilt after crossing a thread) still match.
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in StoreErrorCodes)) return false;
  return code === undefined || c === code;
}

export const invalidArgument = (name: string, expected: string, value: unknown): StoreError =>
  new StoreError('SB_ERR_STORE_INVALID_ARGUMENT', `${name} must be ${expected} (got ${describe(value)})`);

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

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
