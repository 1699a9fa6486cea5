// The bot calls beyond downloading (BotApi in protocol.ts): sending, editing, copying, callbacks, memberships.
import { createRequire } from 'node:module';
import { RpcError } from '../errors.ts';
import { rpcCodeOf, toActorError } from './gramjs-errors.ts';
import type { SessionCalls } from './calls.ts';
import type { FileCache } from './file-cache.ts';
import type { Peers } from './peers.ts';
import type { BotApi, InlineButton } from './protocol.ts';

const require = createRequire(import.meta.url);
const { Api } = require('telegram') as typeof import('telegram');
const { HTMLParser } = require('telegram/extensions/html') as typeof import('telegram/extensions/html.js');
const { generateRandomLong } = require('telegram/Helpers') as typeof import('telegram/Helpers.js');

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

const replyTo = (id: number | undefined) => (id === undefined ? undefined : new Api.InputReplyToMessage({ replyToMsgId: id }));

/** The input media to send a message's file again (a copy, not a forward). */
function inputMediaOf(media: any): any {
  if (media instanceof Api.MessageMediaDocument && media.document instanceof Api.Document) {
    const d = media.document;
    return new Api.InputMediaDocument({ id: new Api.InputDocument({ id: d.id, accessHash: d.accessHash, fileReference: d.fileReference }) });
  }
  if (media instanceof Api.MessageMediaPhoto && media.photo instanceof Api.Photo) {
    const p = media.photo;
    return new Api.InputMediaPhoto({ id: new Api.InputPhoto({ id: p.id, accessHash: p.accessHash, fileReference: p.fileReference }) });
  }
  return undefined;
}

export interface BotApiDeps {
  calls: SessionCalls;
  peers: Peers;
  files: FileCache;
  /** Sees the answer of every send: it moves the update sequence (update-feed.ts). */
  onResult?: (result: unknown) => void;
}

export function createBotApi({ calls, peers, files, onResult }: BotApiDeps): BotApi {
  const send = async <R extends import('telegram').Api.AnyRequest>(request: R) => {
    const result = await calls.home(request);
    onResult?.(result);
    return result;
  };

  /** A private message of a chat as this bot sees it (with a fresh file reference). */
  const readMessage = async (chatId: string, messageId: number): Promise<any> => {
    const res: any = chatId.startsWith('-')
      ? await calls.home(new Api.channels.GetMessages({ channel: await peers.inputChannel(chatId), id: [new Api.InputMessageID({ id: messageId })] }))
      : await calls.home(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id: messageId })] }));
    const m = res.messages?.[0];
    if (!(m instanceof Api.Message)) throw new RpcError('MESSAGE_ID_INVALID', `no message ${messageId} in chat ${chatId}`, { rpcCode: 400 });
    return m;
  };

  return {
    sendMessage: ({ chatId, text, buttons, html, replyTo: reply }) => rpc(async () => {
      const [message, entities] = html ? HTMLParser.parse(text) : [text, undefined];
      const result = await send(new Api.messages.SendMessage({ peer: await peers.inputPeer(chatId), message, entities, randomId: generateRandomLong(), replyMarkup: replyMarkup(buttons), replyTo: replyTo(reply), noWebpage: true }));
      return { messageId: newMessageOf(result).id as number };
    }),

    editMessage: (chatId, messageId, text, buttons) => rpc(async () => {
      // Edits are sent as HTML too: a message sent as HTML keeps its formatting when edited.
      const [message, entities] = HTMLParser.parse(text);
      await send(new Api.messages.EditMessage({ peer: await peers.inputPeer(chatId), id: messageId, message, entities, replyMarkup: buttons === null ? new Api.ReplyInlineMarkup({ rows: [] }) : replyMarkup(buttons), noWebpage: true }));
    }),

    forwardToChannel: (fromChatId, messageId, channelId) => rpc(async () => {
      const result = await send(new Api.messages.ForwardMessages({ fromPeer: await peers.inputPeer(fromChatId), id: [messageId], toPeer: await peers.inputPeer(channelId), randomId: [generateRandomLong()] }));
      const msg = newMessageOf(result);
      return { messageId: msg.id, file: files.rememberMessage(channelId, msg.id, msg)?.meta };
    }),

    copyToChannel: (fromChatId, messageId, channelId, caption) => rpc(async () => {
      const source = await readMessage(fromChatId, messageId);
      const media = inputMediaOf(source.media);
      if (!media) throw new RpcError('MEDIA_EMPTY', `message ${messageId} carries no file to copy`, { rpcCode: 400 });
      const result = await send(new Api.messages.SendMedia({ peer: await peers.inputPeer(channelId), media, message: caption ?? '', randomId: generateRandomLong() }));
      const msg = newMessageOf(result);
      return { messageId: msg.id, file: files.rememberMessage(channelId, msg.id, msg)?.meta };
    }),

    copyMessage: (fromChatId, messageId, toChatId) => rpc(async () => {
      const source = await readMessage(fromChatId, messageId);
      const peer = await peers.inputPeer(toChatId);
      const media = inputMediaOf(source.media);
      const result = media
        ? await send(new Api.messages.SendMedia({ peer, media, message: source.message ?? '', entities: source.entities, randomId: generateRandomLong() }))
        : await send(new Api.messages.SendMessage({ peer, message: source.message ?? '', entities: source.entities, randomId: generateRandomLong(), noWebpage: true }));
      return { messageId: newMessageOf(result).id as number };
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

    channelInviteLink: (channelId) => rpc(async () => {
      const channel = await peers.inputChannel(channelId);
      const res: any = await calls.home(new Api.channels.GetChannels({ id: [channel] }));
      const username = res.chats?.[0]?.username;
      if (username) return `https://t.me/${username}`;
      const invite: any = await calls.home(new Api.messages.ExportChatInvite({ peer: new Api.InputPeerChannel({ channelId: channel.channelId, accessHash: channel.accessHash }) }));
      if (!invite?.link) throw new RpcError('CHAT_ADMIN_REQUIRED', `no invite link for channel ${channelId}`, { rpcCode: 400 });
      return invite.link as string;
    }),
  };
}
