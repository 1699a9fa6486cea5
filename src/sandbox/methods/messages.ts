// Messaging a bot needs: send (with inline keyboards), send a stored document or photo again (a copy), edit,
// forward, read back, answer callback queries. A bot's sends count against its send limits (send-limits.ts).
import { badRequest, forbidden } from '../errors.ts';
import { Api, fromBig, toBig, type TLObject } from '../tl.ts';
import { buttonsFromMarkup, channelTl, entitiesFor, messageTl, userTl } from '../render.ts';
import type { Account, Channel, MessageContent, StoredMessage } from '../world.ts';
import { listMessages, type CallContext, type Handler } from './context.ts';

const api = Api as any;

/** The URLs behind a message's text links; a reader sees the text and opens these. */
const textUrlsOf = (entities: TLObject[] | undefined): string[] | undefined => {
  const urls = (entities ?? []).flatMap((e) => (e.className === 'MessageEntityTextUrl' ? [e.url as string] : []));
  return urls.length ? urls : undefined;
};
const now = () => Math.floor(Date.now() / 1000);

/** A bot may write to a channel only as an admin, and to a user only after the user wrote to it. */
function checkCanWrite(ctx: CallContext, me: Account, target: { kind: 'user'; account: Account } | { kind: 'channel'; channel: Channel }): void {
  if (target.kind === 'channel') {
    const role = target.channel.members.get(me.id)?.role;
    if (!role || role === 'member') throw forbidden('CHAT_WRITE_FORBIDDEN');
    return;
  }
  if (me.bot && target.account.id !== me.id) {
    // core.telegram.org/api/errors lists both; the Bot API says "user is deactivated" / "bot was blocked by the user".
    if (target.account.deleted) throw badRequest('INPUT_USER_DEACTIVATED');
    if (!ctx.world.hasWritten(target.account.id, me.id)) throw badRequest('PEER_ID_INVALID');
    if (ctx.world.hasBlocked(target.account.id, me.id)) throw forbidden('USER_IS_BLOCKED');
  }
}

type Target = { kind: 'user'; account: Account } | { kind: 'channel'; channel: Channel };

/** A bot's send into a chat counts against its per-chat and overall limits (Bots FAQ). */
function countSend(ctx: CallContext, me: Account, target: Target): void {
  if (!me.bot) return;
  ctx.sandbox.checkSendLimit(me.id, target.kind === 'user' ? `user:${target.account.id}` : `channel:${target.channel.id}`);
}

/** The stored document or photo an InputMedia names, checked the way Telegram checks a resent file. */
function inputMediaContent(ctx: CallContext, me: Account, media: TLObject | undefined): MessageContent {
  let id: TLObject | undefined;
  let store: Map<bigint, { id: bigint; accessHash: bigint }>;
  let field: 'documentId' | 'photoId';
  if (media?.className === 'InputMediaDocument' && media.id?.className === 'InputDocument') [id, store, field] = [media.id, ctx.world.documents, 'documentId'];
  else if (media?.className === 'InputMediaPhoto' && media.id?.className === 'InputPhoto') [id, store, field] = [media.id, ctx.world.photos, 'photoId'];
  else throw badRequest('MEDIA_INVALID');
  const stored = store.get(fromBig(id!.id));
  if (!stored || stored.accessHash !== fromBig(id!.accessHash)) throw badRequest('MEDIA_INVALID');
  const ref = ctx.world.checkFileReference(stored.id, me.id, Buffer.from(id!.fileReference ?? []));
  if (ref !== 'ok') throw badRequest(ref === 'expired' ? 'FILE_REFERENCE_EXPIRED' : 'FILE_REFERENCE_INVALID');
  return { [field]: stored.id };
}

/** Stores a message from the caller to a peer and returns the Updates Telegram answers a send with. */
function deliver(ctx: CallContext, me: Account, target: Target, content: MessageContent, randomId: TLObject | undefined): { message: StoredMessage; updates: TLObject[] } {
  let message: StoredMessage;
  let update: TLObject;
  if (target.kind === 'channel') {
    message = { ...ctx.world.postToChannel(target.channel.id, me.id, content), out: true };
    update = new api.UpdateNewChannelMessage({ message: messageTl(ctx.world, message, me.id), pts: target.channel.box.pts, ptsCount: 1 });
  } else {
    message = ctx.world.sendPrivate(me.id, target.account.id, content).senderCopy;
    update = new api.UpdateNewMessage({ message: messageTl(ctx.world, message, me.id), pts: ctx.world.box(me.id).pts, ptsCount: 1 });
  }
  const updates: TLObject[] = [];
  if (randomId !== undefined) updates.push(new api.UpdateMessageID({ id: message.id, randomId }));
  updates.push(update);
  return { message, updates };
}

function updatesOf(ctx: CallContext, me: Account, messages: StoredMessage[], updates: TLObject[]): TLObject {
  const { users, chats } = entitiesFor(ctx.world, messages, me.id);
  return new api.Updates({ updates, users, chats, date: now(), seq: 0 });
}

export const messagesMethods: Record<string, Handler> = {
  'messages.SendMessage': (ctx, req) => {
    const me = ctx.me();
    const target = ctx.peer(req.peer);
    checkCanWrite(ctx, me, target);
    if (typeof req.message !== 'string' || req.message.length === 0) throw badRequest('MESSAGE_EMPTY');
    if (req.message.length > 4096) throw badRequest('MESSAGE_TOO_LONG');
    countSend(ctx, me, target);
    const { message, updates } = deliver(ctx, me, target, { text: req.message, buttons: buttonsFromMarkup(req.replyMarkup), replyToId: req.replyTo?.replyToMsgId, textUrls: textUrlsOf(req.entities) }, req.randomId);
    return updatesOf(ctx, me, [message], updates);
  },

  'messages.SendMedia': (ctx, req) => {
    const me = ctx.me();
    const target = ctx.peer(req.peer);
    checkCanWrite(ctx, me, target);
    const media = inputMediaContent(ctx, me, req.media);
    if (typeof req.message === 'string' && req.message.length > 1024) throw badRequest('MEDIA_CAPTION_TOO_LONG');
    countSend(ctx, me, target);
    const { message, updates } = deliver(ctx, me, target, { ...media, text: req.message ?? '', buttons: buttonsFromMarkup(req.replyMarkup) }, req.randomId);
    return updatesOf(ctx, me, [message], updates);
  },

  'messages.EditMessage': (ctx, req) => {
    const me = ctx.me();
    const target = ctx.peer(req.peer);
    const peer = target.kind === 'channel' ? { kind: 'channel' as const, id: target.channel.id } : { kind: 'user' as const, id: target.account.id };
    const existing = ctx.world.findMessage(me.id, peer, req.id);
    if (!existing) throw badRequest('MESSAGE_ID_INVALID');
    if (!existing.out && !(peer.kind === 'channel' && existing.post)) throw forbidden('MESSAGE_AUTHOR_REQUIRED');
    const buttons = req.replyMarkup !== undefined ? buttonsFromMarkup(req.replyMarkup) ?? null : undefined;
    if (req.message === undefined && buttons === undefined) throw badRequest('MESSAGE_NOT_MODIFIED');
    countSend(ctx, me, target);
    const message = ctx.world.editMessage(me.id, peer, req.id, { text: req.message, buttons, textUrls: textUrlsOf(req.entities) });
    const update = peer.kind === 'channel'
      ? new api.UpdateEditChannelMessage({ message: messageTl(ctx.world, message, me.id), pts: ctx.world.channel(peer.id).box.pts, ptsCount: 1 })
      : new api.UpdateEditMessage({ message: messageTl(ctx.world, message, me.id), pts: ctx.world.box(me.id).pts, ptsCount: 1 });
    return updatesOf(ctx, me, [message], [update]);
  },

  'messages.ForwardMessages': (ctx, req) => {
    const me = ctx.me();
    const from = ctx.peer(req.fromPeer);
    const to = ctx.peer(req.toPeer);
    checkCanWrite(ctx, me, to);
    const ids: number[] = req.id;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 100) throw badRequest('MESSAGE_IDS_EMPTY');
    const randomIds: TLObject[] = req.randomId ?? [];
    if (randomIds.length !== ids.length) throw badRequest('RANDOM_ID_INVALID');
    countSend(ctx, me, to);
    // Forwarded albums stay albums, under a grouped_id of their own.
    const groups = new Map<bigint, bigint>();
    const delivered: StoredMessage[] = [];
    const updates: TLObject[] = [];
    ids.forEach((id, i) => {
      const peer = from.kind === 'channel' ? { kind: 'channel' as const, id: from.channel.id } : { kind: 'user' as const, id: from.account.id };
      const src = ctx.world.findMessage(me.id, peer, id);
      if (!src) throw badRequest('MESSAGE_ID_INVALID');
      const fwdFrom = src.fwdFrom ?? (from.kind === 'channel'
        ? { fromId: { kind: 'channel' as const, id: from.channel.id }, date: src.date, channelPost: src.id }
        : { fromId: { kind: 'user' as const, id: src.fromId ?? me.id }, date: src.date });
      let groupedId: bigint | undefined;
      if (src.groupedId !== undefined) {
        if (!groups.has(src.groupedId)) groups.set(src.groupedId, ctx.world.newGroupedId());
        groupedId = groups.get(src.groupedId);
      }
      const r = deliver(ctx, me, to, { text: src.text, documentId: src.documentId, photoId: src.photoId, other: src.other, groupedId, fwdFrom }, randomIds[i]);
      delivered.push(r.message);
      updates.push(...r.updates);
    });
    return updatesOf(ctx, me, delivered, updates);
  },

  'messages.GetMessages': (ctx, req) => {
    const me = ctx.me();
    const { messages, users, chats } = listMessages(ctx.world, ctx.world.box(me.id), req.id, me.id);
    return new api.messages.Messages({ messages, chats, users });
  },

  'messages.SetBotCallbackAnswer': (ctx, req) => {
    const me = ctx.me();
    const query = ctx.world.callbackQueries.get(fromBig(req.queryId));
    if (!query || query.botId !== me.id || query.answer) throw badRequest('QUERY_ID_INVALID');
    query.answer = { message: req.message ?? undefined, alert: Boolean(req.alert), url: req.url ?? undefined };
    query.resolve(query.answer);
    return true;
  },

  'messages.GetChats': (ctx, req) => {
    const me = ctx.me();
    return new api.messages.Chats({ chats: (req.id as TLObject[]).flatMap((id) => {
      const c = ctx.world.channels.get(fromBig(id as any));
      return c && c.members.has(me.id) ? [channelTl(c, me.id)] : [];
    }) });
  },
};

export const usersMethods: Record<string, Handler> = {
  'users.GetUsers': (ctx, req) => {
    ctx.me();
    return (req.id as TLObject[]).map((input) => {
      try {
        return userTl(ctx.user(input), ctx.me().id);
      } catch {
        return new api.UserEmpty({ id: toBig(input.userId ?? 0) });
      }
    });
  },
};

export const botsMethods: Record<string, Handler> = {
  'bots.SetBotCommands': (ctx, req) => {
    const me = ctx.me();
    if (!me.bot) throw badRequest('USER_BOT_REQUIRED');
    if (!Array.isArray(req.commands) || req.commands.length > 100) throw badRequest('BOT_COMMANDS_TOO_MUCH');
    for (const c of req.commands) if (!/^[a-z0-9_]{1,32}$/.test(c.command)) throw badRequest('BOT_COMMAND_INVALID');
    ctx.sandbox.botCommands.set(me.id, req.commands.map((c: TLObject) => ({ command: c.command, description: c.description })));
    return true;
  },
};
