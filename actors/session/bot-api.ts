// The bot calls beyond downloading (BotApi in protocol.ts) and bot updates reduced to plain data.
import { createRequire } from 'node:module';
import { RpcError } from '../errors.ts';
import { fileMetaOf } from './document.ts';
import { rpcCodeOf, toActorError } from './gramjs-errors.ts';
import type { SessionCalls } from './calls.ts';
import type { FileCache } from './file-cache.ts';
import type { Peers } from './peers.ts';
import type { BotApi, BotUpdate, InlineButton } from './protocol.ts';

const require = createRequire(import.meta.url);
const { Api } = require('telegram') as typeof import('telegram');
const { HTMLParser } = require('telegram/extensions/html') as typeof import('telegram/extensions/html.js');
const { generateRandomLong } = require('telegram/Helpers') as typeof import('telegram/Helpers.js');

export function toUpdate(u: any): BotUpdate | undefined {
  if (u instanceof Api.UpdateNewMessage && u.message instanceof Api.Message) {
    const m = u.message;
    const peer = m.peerId as any;
    const chatId = peer.userId !== undefined ? peer.userId.toString() : peer.channelId !== undefined ? `-100${peer.channelId}` : peer.chatId?.toString();
    const media = m.media instanceof Api.MessageMediaDocument && m.media.document instanceof Api.Document ? m.media.document : undefined;
    const fromId = (m.fromId as any)?.userId?.toString() ?? (peer.userId !== undefined && !m.out ? peer.userId.toString() : undefined);
    return { kind: 'message', chatId, messageId: m.id, fromId, text: m.message ?? '', ...(media ? { file: fileMetaOf(media) } : {}) };
  }
  if (u instanceof Api.UpdateBotCallbackQuery) {
    return { kind: 'callback', queryId: u.queryId.toString(), fromId: u.userId.toString(), chatId: (u.peer as any).userId?.toString() ?? '', messageId: u.msgId, data: Buffer.from(u.data ?? []).toString('utf8') };
  }
  return undefined;
}

function replyMarkup(buttons: InlineButton[][] | null | undefined) {
  if (!buttons) return undefined;
  return new Api.ReplyInlineMarkup({
    rows: buttons.map((row) => new Api.KeyboardButtonRow({
      buttons: row.map((b) => ('url' in b ? new Api.KeyboardButtonUrl({ text: b.text, url: b.url }) : new Api.KeyboardButtonCallback({ text: b.text, data: Buffer.from(b.data, 'utf8') }))),
    })),
  });
}

function newMessageOf(result: any): any {
  if (result instanceof Api.UpdateShortSentMessage) return { id: result.id };
  for (const u of result?.updates ?? []) {
    if (u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateNewChannelMessage) return u.message;
  }
  throw new RpcError('NO_MESSAGE_IN_ANSWER', 'Telegram did not return the new message');
}

/** Bot calls all go to the home DC. */
async function rpc<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActorError(err, { onHome: true });
  }
}

export function createBotApi(calls: SessionCalls, peers: Peers, files: FileCache): BotApi {
  return {
    sendMessage: ({ chatId, text, buttons, html }) => rpc(async () => {
      const [message, entities] = html ? HTMLParser.parse(text) : [text, undefined];
      const result = await calls.home(new Api.messages.SendMessage({ peer: await peers.inputPeer(chatId), message, entities, randomId: generateRandomLong(), replyMarkup: replyMarkup(buttons), noWebpage: true }));
      return { messageId: newMessageOf(result).id as number };
    }),

    editMessage: (chatId, messageId, text, buttons) => rpc(async () => {
      await calls.home(new Api.messages.EditMessage({ peer: await peers.inputPeer(chatId), id: messageId, message: text, replyMarkup: buttons === null ? new Api.ReplyInlineMarkup({ rows: [] }) : replyMarkup(buttons), noWebpage: true }));
    }),

    forwardToChannel: (fromChatId, messageId, channelId) => rpc(async () => {
      const result = await calls.home(new Api.messages.ForwardMessages({ fromPeer: await peers.inputPeer(fromChatId), id: [messageId], toPeer: await peers.inputPeer(channelId), randomId: [generateRandomLong()] }));
      const msg = newMessageOf(result);
      const doc = msg.media instanceof Api.MessageMediaDocument && msg.media.document instanceof Api.Document ? msg.media.document : undefined;
      if (!doc) return { messageId: msg.id };
      return { messageId: msg.id, file: files.remember(channelId, msg.id, doc).meta };
    }),

    answerCallback: (queryId, text, alert) => rpc(async () => {
      await calls.home(new Api.messages.SetBotCallbackAnswer({ queryId: BigInt(queryId) as any, message: text, alert }));
    }),

    channelMembership: (channelId, userId) => rpc(async () => {
      try {
        const res = await calls.home(new Api.channels.GetParticipant({ channel: await peers.inputChannel(channelId), participant: await peers.inputPeer(userId) }));
        const p = res.participant;
        if (p instanceof Api.ChannelParticipantCreator) return 'creator';
        if (p instanceof Api.ChannelParticipantAdmin) return 'admin';
        if (p instanceof Api.ChannelParticipantBanned || p instanceof Api.ChannelParticipantLeft) return 'none';
        return 'member';
      } catch (err) {
        if (rpcCodeOf(err) === 'USER_NOT_PARTICIPANT') return 'none';
        throw err;
      }
    }),

    setCommands: (commands) => rpc(async () => {
      await calls.home(new Api.bots.SetBotCommands({ scope: new Api.BotCommandScopeDefault(), langCode: '', commands: commands.map((c) => new Api.BotCommand(c)) }));
    }),
  };
}
