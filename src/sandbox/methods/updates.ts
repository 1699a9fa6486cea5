import { Api } from '../tl.ts';
import type { Handler } from './context.ts';

const api = Api as any;

export const updatesMethods: Record<string, Handler> = {
  // Before login this answers 401 AUTH_KEY_UNREGISTERED (through ctx.me()): that is how clients learn to log in.
  'updates.GetState': (ctx) => {
    const me = ctx.me();
    const box = ctx.world.box(me.id);
    return new api.updates.State({ pts: box.pts, qts: 0, date: Math.floor(Date.now() / 1000), seq: 0, unreadCount: 0 });
  },
  // Updates are pushed as they happen; a client asking for a gap gets "nothing missed".
  'updates.GetDifference': (ctx) => {
    const me = ctx.me();
    return new api.updates.DifferenceEmpty({ date: Math.floor(Date.now() / 1000), seq: 0 });
  },
  'updates.GetChannelDifference': (ctx, req) => {
    const c = ctx.channel(req.channel);
    return new api.updates.ChannelDifferenceEmpty({ final: true, pts: c.box.pts, timeout: 30 });
  },
};
