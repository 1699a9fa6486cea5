// Checks of everything a client sends. Each failure is a 400 whose message names the input and what it must be.
import { describeValue } from '../errors/describe-value.ts';
import type { RouteRequest } from '../http/routes/types.ts';
import { isPublicId } from '../store/index.ts';
import { apiError } from './errors.ts';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** The store's cursors are at most 40 base64url characters. */
const CURSOR = /^[A-Za-z0-9_-]{1,40}$/;
/** Telegram user ids are positive and fit in 52 bits. */
const USER_ID = /^[1-9]\d{0,15}$/;

export function fileId(value: string | undefined): string {
  if (!isPublicId(value)) throw apiError('SB_API_INVALID_PARAMETER', `file id must be 12 characters of A-Z, a-z, 0-9, - and _ (got ${describeValue(value)})`);
  return value;
}

export function userId(value: string | null | undefined, name: string): number {
  const n = typeof value === 'string' && USER_ID.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw apiError('SB_API_INVALID_PARAMETER', `${name} must be a Telegram user id, a positive integer (got ${describeValue(value ?? undefined)})`);
  return n;
}

export interface PageQuery {
  userId: number;
  cursor: string | null;
  limit: number;
}

/** `?user=<id>&cursor=&limit=` of GET /api/files. Unknown parameters are refused so a typo does not go unnoticed. */
export function pageQuery(query: URLSearchParams): PageQuery {
  for (const name of new Set(query.keys())) {
    if (name !== 'user' && name !== 'cursor' && name !== 'limit') throw apiError('SB_API_INVALID_PARAMETER', `unknown query parameter ${describeValue(name)}; known: user, cursor, limit`);
    if (query.getAll(name).length > 1) throw apiError('SB_API_INVALID_PARAMETER', `query parameter ${name} is given more than once`);
  }
  if (!query.has('user')) throw apiError('SB_API_INVALID_PARAMETER', 'query parameter user is required: the Telegram user id whose files to list');
  const user = userId(query.get('user'), 'query parameter user');
  const rawCursor = query.get('cursor');
  const cursor = rawCursor === null || rawCursor === '' ? null : rawCursor;
  if (cursor !== null && !CURSOR.test(cursor)) throw apiError('SB_API_INVALID_CURSOR', 'cursor must be the next_cursor of a previous page');
  const rawLimit = query.get('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null && rawLimit !== '') {
    limit = /^\d{1,3}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) throw apiError('SB_API_INVALID_PARAMETER', `limit must be an integer from 1 to ${MAX_LIMIT} (got ${describeValue(rawLimit)})`);
  }
  return { userId: user, cursor, limit };
}

/** The body of a request as a JSON object; `example` shows the client what to send. */
export function jsonObject(req: RouteRequest, example: string): Record<string, unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    throw apiError('SB_API_UNSUPPORTED_MEDIA_TYPE', `the body must be JSON sent as Content-Type: application/json (got ${describeValue(type)})`);
  }
  if (!req.body || req.body.length === 0) throw apiError('SB_API_INVALID_BODY', `the body must be a JSON object like ${example}`);
  let value: unknown;
  try {
    value = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw apiError('SB_API_INVALID_BODY', `the body is not valid JSON; send an object like ${example}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw apiError('SB_API_INVALID_BODY', `the body must be a JSON object like ${example} (got ${describeValue(value)})`);
  }
  return value as Record<string, unknown>;
}

/** PATCH /api/users/:id: `{ "banned": true | false }`, nothing else. */
export function userPatch(req: RouteRequest): { banned: boolean } {
  const example = '{"banned": true}';
  const body = jsonObject(req, example);
  for (const key of Object.keys(body)) {
    if (key !== 'banned') throw apiError('SB_API_INVALID_BODY', `unknown field ${describeValue(key)}; the only field is banned, e.g. ${example}`);
  }
  if (typeof body.banned !== 'boolean') throw apiError('SB_API_INVALID_BODY', `banned must be true or false (got ${describeValue(body.banned)})`);
  return { banned: body.banned };
}
