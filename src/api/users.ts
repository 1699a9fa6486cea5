// The users endpoint: show one user, ban or unban them.
import type { RouteRequest } from '../http/routes/types.ts';
import type { ApiContext } from './context.ts';
import { apiError } from './errors.ts';
import { userId, userPatch } from './input.ts';
import { presentUser } from './present.ts';

async function shown(ctx: ApiContext, id: number) {
  const [user, usage] = await Promise.all([ctx.store.getUser(id), ctx.store.getMonthlyUsage(id)]);
  if (!user) throw apiError('SB_API_NOT_FOUND', `no user with id ${id} (they have not written to the bot)`);
  return presentUser(user, usage.bytes);
}

export function getUser(ctx: ApiContext, req: RouteRequest) {
  return shown(ctx, userId(req.params.id, 'user id'));
}

export async function patchUser(ctx: ApiContext, req: RouteRequest) {
  const id = userId(req.params.id, 'user id');
  const { banned } = userPatch(req);
  if (!(await ctx.store.setBanned(id, banned))) throw apiError('SB_API_NOT_FOUND', `no user with id ${id} (they have not written to the bot)`);
  ctx.logger.info({ user: id, banned, ip: req.ip }, banned ? 'user banned through the API' : 'user unbanned through the API');
  return shown(ctx, id);
}
