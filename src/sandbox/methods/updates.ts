// The update state and the difference a client asks for after being away (core.telegram.org/api/updates).
// The sandbox keeps one pts per private box and no qts events: qts and seq stay 0.
import { Api, type TLObject } from '../tl.ts';
import { entitiesFor, messageTl } from '../render.ts';
import type { StoredMessage } from '../world.ts';
import type { Handler } from './context.ts';

const api = Api as any;
const now = () => Math.floor(Date.now() / 1000);

/** Most events one difference answers with; the rest come as differenceSlice pages. */
export const DIFFERENCE_SLICE = 100;

const state = (pts: number, date = now()) => new api.updates.State({ pts, qts: 0, date, seq: 0, unreadCount: 0 });

export const updatesMethods: Record<string, Handler> = {
  // Before login this answers 401 AUTH_KEY_UNREGISTERED (through ctx.me()): that is how clients learn to log in.
  'updates.GetState': (ctx) => {
    const me = ctx.me();
    return state(ctx.world.box(me.id).pts);
  },

  'updates.GetDifference': (ctx, req) => {
    const me = ctx.me();
    const box = ctx.world.box(me.id);
    const sliceLimit = Math.max(1, Math.min(DIFFERENCE_SLICE, Number(req.ptsLimit) || DIFFERENCE_SLICE));
    const plan = ctx.world.updatesLog.plan(me.id, Number(req.pts), box.pts, { sliceLimit, totalLimit: req.ptsTotalLimit === undefined ? undefined : Number(req.ptsTotalLimit) });
    if (plan.kind === 'empty') return new api.updates.DifferenceEmpty({ date: now(), seq: 0 });
    if (plan.kind === 'too-long') return new api.updates.DifferenceTooLong({ pts: box.pts });
    const newMessages: StoredMessage[] = [];
    const otherUpdates: TLObject[] = [];
    const mentioned: StoredMessage[] = [];
    for (const e of plan.entries) {
      const m = box.messages.get(e.messageId);
      if (!m) continue;
      mentioned.push(m);
      if (e.kind === 'new') newMessages.push(m);
      else otherUpdates.push(new api.UpdateEditMessage({ message: messageTl(ctx.world, m, me.id), pts: e.pts, ptsCount: 1 }));
    }
    const { users, chats } = entitiesFor(ctx.world, mentioned, me.id);
    const body = {
      newMessages: newMessages.map((m) => messageTl(ctx.world, m, me.id)),
      newEncryptedMessages: [],
      otherUpdates,
      chats,
      users,
    };
    if (plan.final) return new api.updates.Difference({ ...body, state: state(box.pts) });
    const last = plan.entries[plan.entries.length - 1]!;
    return new api.updates.DifferenceSlice({ ...body, intermediateState: state(last.pts, last.date) });
  },

  'updates.GetChannelDifference': (ctx, req) => {
    const c = ctx.channel(req.channel);
    return new api.updates.ChannelDifferenceEmpty({ final: true, pts: c.box.pts, timeout: 30 });
  },
};
