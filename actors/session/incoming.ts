// Bot updates reduced to plain data (BotUpdate) so the main thread never needs gramjs.
import { createRequire } from 'node:module';
import { mediaFileOf } from './document.ts';
import type { BotUpdate, OtherContent } from './protocol.ts';

const require = createRequire(import.meta.url);
const { Api } = require('telegram') as typeof import('telegram');

type Message = InstanceType<typeof Api.Message>;
type MessageUpdate = Extract<BotUpdate, { kind: 'message' }>;

const OTHER: Record<string, OtherContent> = {
  MessageMediaContact: 'contact',
  MessageMediaGeo: 'location',
  MessageMediaGeoLive: 'location',
  MessageMediaVenue: 'location',
  MessageMediaPoll: 'poll',
  MessageMediaDice: 'dice',
  MessageMediaGame: 'game',
};

export function chatIdOf(peer: any): string {
  if (peer?.userId !== undefined) return peer.userId.toString();
  if (peer?.channelId !== undefined) return `-100${peer.channelId}`;
  return peer?.chatId !== undefined ? `-${peer.chatId}` : '';
}

/** A message as the bot sees it; `entities` (id → User) come with the update and name the sender. */
export function messageUpdate(m: Message, entities?: Map<string, any>): MessageUpdate {
  const peer = m.peerId as any;
  const fromId: string | undefined = (m.fromId as any)?.userId?.toString() ?? (peer.userId !== undefined && !m.out ? peer.userId.toString() : undefined);
  const sender = fromId !== undefined ? findUser(entities, fromId) : undefined;
  const file = mediaFileOf(m.media);
  let other: OtherContent | undefined;
  if (file?.meta.kind === 'sticker') other = 'sticker';
  else if (!file && m.media && m.media.className !== 'MessageMediaEmpty' && m.media.className !== 'MessageMediaWebPage') other = OTHER[m.media.className] ?? 'other';
  const replyId = (m.replyTo as any)?.replyToMsgId as number | undefined;
  return {
    kind: 'message',
    chatId: chatIdOf(peer),
    messageId: m.id,
    date: m.date,
    text: m.message ?? '',
    ...(fromId !== undefined ? { fromId } : {}),
    ...(sender?.username ? { fromUsername: sender.username as string } : {}),
    ...(sender?.firstName ? { fromFirstName: sender.firstName as string } : {}),
    ...(sender?.bot || m.out ? { fromBot: true } : {}),
    ...(file && other === undefined ? { file: file.meta } : {}),
    ...(m.groupedId !== undefined && m.groupedId !== null ? { groupedId: m.groupedId.toString() } : {}),
    ...(other ? { other } : {}),
    ...(replyId !== undefined ? { replyTo: { messageId: replyId } } : {}),
  };
}

function findUser(entities: Map<string, any> | undefined, id: string): any {
  if (!entities) return undefined;
  for (const [key, e] of entities) if (e?.className === 'User' && (key === id || e.id?.toString() === id)) return e;
  return undefined;
}

/** The BotUpdate of a gramjs update, or undefined for updates the bot does not act on. */
export function toUpdate(u: any): BotUpdate | undefined {
  if ((u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage) && u.message instanceof Api.Message) {
    return messageUpdate(u.message, (u as any)._entities);
  }
  if (u instanceof Api.UpdateShortMessage) {
    return { kind: 'message', chatId: u.userId.toString(), messageId: u.id, date: u.date, text: u.message ?? '', ...(u.out ? { fromBot: true } : { fromId: u.userId.toString() }) };
  }
  if (u instanceof Api.UpdateBotCallbackQuery) {
    return { kind: 'callback', queryId: u.queryId.toString(), fromId: u.userId.toString(), chatId: chatIdOf(u.peer), messageId: u.msgId, data: Buffer.from(u.data ?? []).toString('utf8') };
  }
  return undefined;
}
