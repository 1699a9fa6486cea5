// The REST API: a public status page (/api/info), its OpenAPI description, and operator endpoints behind a bearer
// token and an optional address list. Every answer is JSON and `no-store`; errors are
// `{ "error": { "code": "SB_API_...", "message": "..." } }` (405 and 413 come from the route mount, as plain text).
import type { Route, RouteRequest, RouteResponse } from '../http/routes/types.ts';
import { isStoreError } from '../store/index.ts';
import { refuse } from './access.ts';
import { apiContext, type ApiContext, type ApiDeps } from './context.ts';
import { isApiError } from './errors.ts';
import { getFile, listFiles, renewFile, revokeFile } from './files.ts';
import { openApiDocument } from './openapi.ts';
import { errorReply, json } from './reply.ts';
import { info, sessions, stats } from './status.ts';
import { getUser, patchUser } from './users.ts';

export type { ApiDeps, ApiFeatures } from './context.ts';
export { API_ERROR_STATUS, ApiErrorCodes, type ApiErrorCode } from './errors.ts';
export { openApiDocument };

/** A store that is down answers 503; clients may try again after this many seconds. */
const STORE_RETRY_AFTER_S = 5;
/** PATCH bodies are one small object. */
const MAX_BODY_BYTES = 1024;

type Handler = (ctx: ApiContext, req: RouteRequest) => RouteResponse | Promise<RouteResponse>;

interface Endpoint {
  name: string;
  pattern: string;
  /** Handlers by lower-case method; HEAD runs GET's. */
  methods: Record<string, Handler>;
  protect: boolean;
  maxBodyBytes?: number;
}

/** A handler whose result is the body of a 200. */
const ok = (read: (ctx: ApiContext, req: RouteRequest) => unknown): Handler => async (ctx, req) => json(200, await read(ctx, req));

function endpoints(): Endpoint[] {
  return [
    { name: 'api.info', pattern: '/api/info', protect: false, methods: { get: async (ctx) => { const r = await info(ctx); return json(r.status, r.body); } } },
    { name: 'api.openapi', pattern: '/api/openapi.json', protect: false, methods: { get: ok((ctx) => ({ ...openApiDocument(), servers: [{ url: ctx.baseUrl }] })) } },
    { name: 'api.stats', pattern: '/api/stats', protect: true, methods: { get: ok(stats) } },
    { name: 'api.files.list', pattern: '/api/files', protect: true, methods: { get: ok(listFiles) } },
    { name: 'api.files.one', pattern: '/api/files/:id', protect: true, methods: { get: ok(getFile), delete: ok(revokeFile) } },
    { name: 'api.files.renew', pattern: '/api/files/:id/renew', protect: true, methods: { post: ok(renewFile) } },
    { name: 'api.users.one', pattern: '/api/users/:id', protect: true, methods: { get: ok(getUser), patch: ok(patchUser) }, maxBodyBytes: MAX_BODY_BYTES },
    { name: 'api.sessions', pattern: '/api/sessions', protect: true, methods: { get: ok(sessions) } },
  ];
}

function failure(ctx: ApiContext, err: unknown, route: string): RouteResponse {
  if (isApiError(err)) return errorReply(err.code, err.message);
  if (isStoreError(err, 'SB_ERR_STORE_INVALID_CURSOR')) return errorReply('SB_API_INVALID_CURSOR', 'cursor is not a next_cursor this server returned; start again from the first page');
  if (isStoreError(err, 'SB_ERR_STORE_UNAVAILABLE') || isStoreError(err, 'SB_ERR_STORE_CLOSED')) {
    ctx.logger.warn({ err, route }, 'API request failed: the store is unavailable');
    return errorReply('SB_API_STORE_UNAVAILABLE', 'the database is unreachable right now; try again shortly', [['Retry-After', String(STORE_RETRY_AFTER_S)]]);
  }
  ctx.logger.error({ err, route }, 'API request failed');
  return errorReply('SB_API_INTERNAL', 'internal error');
}

function toRoute(ctx: ApiContext, e: Endpoint): Route {
  return {
    name: e.name,
    kind: 'api',
    pattern: e.pattern,
    methods: Object.keys(e.methods),
    ...(e.maxBodyBytes ? { maxBodyBytes: e.maxBodyBytes } : {}),
    handle: async (req) => {
      if (e.protect) {
        const refusal = refuse(ctx, req, e.name);
        if (refusal) return refusal;
      }
      // The mount only lets the route's methods (and HEAD where GET is served) through.
      const handler = e.methods[req.method === 'head' ? 'get' : req.method]!;
      try {
        return await handler(ctx, req);
      } catch (err) {
        return failure(ctx, err, e.name);
      }
    },
  };
}

export function apiRoutes(deps: ApiDeps): Route[] {
  const ctx = apiContext(deps);
  return endpoints().map((e) => toRoute(ctx, e));
}
