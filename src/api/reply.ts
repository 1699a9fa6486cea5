// JSON answers of the API. Every one, errors included, is `no-store`: the data is live and some of it private.
import type { HeaderList, RouteResponse } from '../http/routes/types.ts';
import { API_ERROR_STATUS, type ApiErrorCode } from './errors.ts';

const JSON_TYPE = 'application/json; charset=utf-8';

export function json(status: number, body: unknown, headers: HeaderList = []): RouteResponse {
  return {
    status,
    headers: [['Content-Type', JSON_TYPE], ['Cache-Control', 'no-store'], ...headers],
    body: `${JSON.stringify(body)}\n`,
  };
}

export function errorReply(code: ApiErrorCode, message: string, headers: HeaderList = []): RouteResponse {
  return json(API_ERROR_STATUS[code], { error: { code, message } }, headers);
}
