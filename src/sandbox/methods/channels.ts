// Channel reads a bot needs: messages of the log channel, membership checks for force-subscribe.
import { badRequest } from '../errors.ts';
import { Api, toBig, type TLObject } from '../tl.ts';
import { adminRights, channelTl, userTl } from '../render.ts';
import { listMessages, type Handler } from './context.ts';

const api = Api as any;

export const channelsMethods: Record<string, Handler> = {
  'channels.GetMessages': (ctx, req) => {
    const me = ctx.me();
    const c = ctx.channel(req.channel);
    const { messages, present, users, chats } = listMessages(ctx.world, c.box, req.id, me.id);
    if (!chats.some((ch) => ch.id.toString() === c.id.toString())) chats.push(channelTl(c, me.id));
    return new api.messages.ChannelMessages({
      pts: c.box.pts,
      count: present.length,
      messages,
      chats,
      users,
      topics: [],
    });
  },

  'channels.GetParticipant': (ctx, req) => {
    const me = ctx.me();
    const c = ctx.channel(req.channel);
    const myRole = c.members.get(me.id)?.role;
    if (me.bot && myRole !== 'admin' && myRole !== 'creator') throw badRequest('CHAT_ADMIN_REQUIRED');
    const user = ctx.user(req.participant);
    const member = c.members.get(user.id);
    if (!member) throw badRequest('USER_NOT_PARTICIPANT');
    const uid = toBig(user.id);
    let participant: TLObject;
    if (member.role === 'creator') participant = new api.ChannelParticipantCreator({ userId: uid, adminRights: adminRights() });
    else if (member.role === 'admin') participant = new api.ChannelParticipantAdmin({ userId: uid, promotedBy: uid, date: member.date, adminRights: adminRights() });
    else if (user.id === me.id) participant = new api.ChannelParticipantSelf({ userId: uid, inviterId: uid, date: member.date });
    else participant = new api.ChannelParticipant({ userId: uid, date: member.date });
    return new api.channels.ChannelParticipant({ participant, chats: [channelTl(c, me.id)], users: [userTl(user, me.id)] });
  },

  'channels.GetChannels': (ctx, req) => {
    const me = ctx.me();
    const chats = (req.id as TLObject[]).map((input) => channelTl(ctx.channel(input), me.id));
    if (chats.length === 0) throw badRequest('CHANNEL_INVALID');
    return new api.messages.Chats({ chats });
  },
};

