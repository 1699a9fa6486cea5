// Error registry of the HTTP server: stable codes, one class. Callers branch on `code`, never on the message.

import { describeValue } from '../errors/describe-value.ts';
import { defineErrors } from '../errors/registry.ts';

// isHttpError matches by code, so copies of this module still match.
export const { Codes: HttpErrorCodes, ErrorClass: HttpError, isError: isHttpError } = defineErrors('HttpError', [
  'SB_ERR_HTTP_UWS_NOT_NATIVE',
  'SB_ERR_HTTP_INVALID_OPTION',
  'SB_ERR_HTTP_LISTEN',
  'SB_ERR_HTTP_SOURCE',
  'SB_ERR_HTTP_SOURCE_LENGTH',
]);
export type HttpErrorCode = keyof typeof HttpErrorCodes;
export type HttpError = InstanceType<typeof HttpError>;

export const uwsNotNative = (): HttpError =>
  new HttpError(
    'SB_ERR_HTTP_UWS_NOT_NATIVE',
    'uWebSockets.js did not load its native binary and fell back to its slow JavaScript implementation; ' +
      `install a build that matches this Node.js (${process.version}, ABI ${process.versions.modules}, ` +
      `${process.platform}-${process.arch}) and unset UWS_USE_FALLBACK`,
  );

export const invalidOption = (path: string, expected: string, value: unknown): HttpError =>
  new HttpError('SB_ERR_HTTP_INVALID_OPTION', `${path} must be ${expected} (got ${describeValue(value)})`);

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

