// The API's error answers: one table of stable SB_API_* codes and the status each one carries. Handlers throw an
// ApiError; the route wrapper turns it into `{ "error": { "code", "message" } }`. Clients branch on the code.
import { defineErrors } from '../errors/registry.ts';

export const API_ERROR_STATUS = {
  SB_API_INVALID_PARAMETER: 400,
  SB_API_INVALID_CURSOR: 400,
  SB_API_INVALID_BODY: 400,
  SB_API_UNAUTHORIZED: 401,
  SB_API_FORBIDDEN_IP: 403,
  SB_API_NOT_FOUND: 404,
  SB_API_UNSUPPORTED_MEDIA_TYPE: 415,
  SB_API_INTERNAL: 500,
  SB_API_NOT_IMPLEMENTED: 501,
  SB_API_TOKEN_NOT_SET: 503,
  SB_API_STORE_UNAVAILABLE: 503,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export const { Codes: ApiErrorCodes, ErrorClass: ApiError, isError: isApiError } = defineErrors(
  'ApiError',
  Object.keys(API_ERROR_STATUS) as ApiErrorCode[],
);
export type ApiError = InstanceType<typeof ApiError>;

export const apiError = (code: ApiErrorCode, message: string): ApiError => new ApiError(code, message);
