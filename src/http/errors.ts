// Error registry of the HTTP server: stable codes, one class. Callers branch on `code`, never on the message.

export const HttpErrorCodes = {
  SB_ERR_HTTP_UWS_NOT_NATIVE: 'SB_ERR_HTTP_UWS_NOT_NATIVE',
  SB_ERR_HTTP_INVALID_OPTION: 'SB_ERR_HTTP_INVALID_OPTION',
  SB_ERR_HTTP_LISTEN: 'SB_ERR_HTTP_LISTEN',
  SB_ERR_HTTP_SOURCE: 'SB_ERR_HTTP_SOURCE',
  SB_ERR_HTTP_SOURCE_LENGTH: 'SB_ERR_HTTP_SOURCE_LENGTH',
} as const;

export type HttpErrorCode = keyof typeof HttpErrorCodes;

export class HttpError extends Error {
  readonly code: HttpErrorCode;

  constructor(code: HttpErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.code = code;
  }
}

export function isHttpError(err: unknown, code?: HttpErrorCode): err is HttpError {
  // Checked by shape so that copies of this module still match.
  if (typeof err !== 'object' || err === null) return false;
  const c = (err as { code?: unknown }).code;
  if (typeof c !== 'string' || !(c in HttpErrorCodes)) return false;
  return code === undefined || c === code;
}

export const uwsNotNative = (): HttpError =>
  new HttpError(
    'SB_ERR_HTTP_UWS_NOT_NATIVE',
    'uWebSockets.js did not load its native binary and fell back to its slow JavaScript implementation; ' +
      `install a build that matches this Node.js (${process.version}, ABI ${process.versions.modules}, ` +
      `${process.platform}-${process.arch}) and unset UWS_USE_FALLBACK`,
  );

export const invalidOption = (path: string, expected: string, value: unknown): HttpError =>
  new HttpError('SB_ERR_HTTP_INVALID_OPTION', `${path} must be ${expected} (got ${describe(value)})`);

export const listenFailed = (host: string, port: number): HttpError =>
  new HttpError(
    'SB_ERR_HTTP_LISTEN',
    `could not listen on ${host}:${port}; the port may be in use or the address not assigned to this machine`,
  );

export const sourceFailed = (what: string, cause: unknown): HttpError =>
  new HttpError('SB_ERR_HTTP_SOURCE', `the file source failed while ${what}`, { cause });

export const sourceLength = (expected: number, got: number): HttpError =>
  new HttpError(
    'SB_ERR_HTTP_SOURCE_LENGTH',
    `the file source produced ${got} bytes for a range of ${expected} bytes`,
  );

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
