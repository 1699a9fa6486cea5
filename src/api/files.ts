// The files endpoints: list a user's files, show one, revoke it, renew its link.
import type { RouteRequest } from '../http/routes/types.ts';
import type { ApiContext } from './context.ts';
import { apiError } from './errors.ts';
import { fileId, pageQuery } from './input.ts';
import { presentFile } from './present.ts';

export async function listFiles(ctx: ApiContext, req: RouteRequest) {
  const q = pageQuery(req.query);
  const page = await ctx.store.listFilesByUser(q.userId, { cursor: q.cursor, limit: q.limit });
  return { files: page.items.map((f) => presentFile(f, ctx.baseUrl, ctx.now())), next_cursor: page.nextCursor };
}

export async function getFile(ctx: ApiContext, req: RouteRequest) {
  const id = fileId(req.params.id);
  const file = await ctx.store.getFile(id);
  if (!file) throw apiError('SB_API_NOT_FOUND', `no file with id ${id} (unknown, deleted or expired)`);
  return presentFile(file, ctx.baseUrl, ctx.now());
}

export async function revokeFile(ctx: ApiContext, req: RouteRequest) {
  const id = fileId(req.params.id);
  if (!(await ctx.store.revokeFile(id))) throw apiError('SB_API_NOT_FOUND', `no file with id ${id} (unknown, deleted or expired)`);
  const file = await ctx.store.getFile(id);
  // Deleted between the two calls: the revocation still happened.
  if (!file) throw apiError('SB_API_NOT_FOUND', `file ${id} was revoked and is gone`);
  ctx.logger.info({ file: id, ip: req.ip }, 'file revoked through the API');
  return presentFile(file, ctx.baseUrl, ctx.now());
}

export async function renewFile(ctx: ApiContext, req: RouteRequest) {
  const id = fileId(req.params.id);
  if (!ctx.renewFile) throw apiError('SB_API_NOT_IMPLEMENTED', 'renewing links is not available on this server');
  const file = await ctx.renewFile(id);
  if (!file) throw apiError('SB_API_NOT_FOUND', `no file with id ${id} to renew`);
  ctx.logger.info({ file: id, renewed: file.id, ip: req.ip }, 'file link renewed through the API');
  return { previous_id: id, ...presentFile(file, ctx.baseUrl, ctx.now()) };
}
