// Bot login, cross-DC authorization transfer and temporary key binding (core.telegram.org/api/bots, /api/datacenter,
// /api/pfs).
import { randomBytes } from 'node:crypto';
import { badRequest, seeOther } from '../errors.ts';
import { Api, fromBig, toBig } from '../tl.ts';
import { userTl } from '../render.ts';
import { bindTempAuthKey } from './bind-temp-auth-key.ts';
import type { Handler } from './context.ts';

const api = Api as any;

export const authMethods: Record<string, Handler> = {
  'auth.ImportBotAuthorization': (ctx, req) => {
    if (!ctx.sandbox.acceptsApiId(req.apiId, req.apiHash)) throw badRequest('API_ID_INVALID');
    const botId = ctx.world.botsByToken.get(String(req.botAuthToken));
    if (botId === undefined) throw badRequest('ACCESS_TOKEN_INVALID');
    const bot = ctx.world.account(botId);
    // An account logs in on its own DC; elsewhere the client is told where to go.
    if (bot.homeDc !== ctx.dc.id) throw seeOther(`USER_MIGRATE_${bot.homeDc}`);
    ctx.key.userId = bot.id;
    ctx.sandbox.counters.logins++;
    return new api.auth.Authorization({ user: userTl(bot, bot.id) });
  },
  'auth.ExportAuthorization': (ctx, req) => {
    const me = ctx.me();
    if (!ctx.sandbox.dcs.some((d) => d.id === req.dcId) || req.dcId === ctx.dc.id) throw badRequest('DC_ID_INVALID');
    const id = randomBytes(8).readBigInt64LE(0);
    const bytes = randomBytes(32);
    ctx.sandbox.exportedAuthorizations.set(id, { userId: me.id, dcId: req.dcId, bytes });
    ctx.sandbox.counters.exportedAuthorizations++;
    return new api.auth.ExportedAuthorization({ id: toBig(id), bytes });
  },
  'auth.ImportAuthorization': (ctx, req) => {
    const id = fromBig(req.id);
    const exported = ctx.sandbox.exportedAuthorizations.get(id);
    if (!exported || exported.dcId !== ctx.dc.id || !exported.bytes.equals(Buffer.from(req.bytes))) throw badRequest('AUTH_BYTES_INVALID');
    ctx.sandbox.exportedAuthorizations.delete(id);
    ctx.key.userId = exported.userId;
    return new api.auth.Authorization({ user: userTl(ctx.world.account(exported.userId), exported.userId) });
  },
  'auth.BindTempAuthKey': bindTempAuthKey,
  'auth.LogOut': (ctx) => {
    ctx.me();
    ctx.key.userId = undefined;
    return new api.auth.LoggedOut({});
  },
};
