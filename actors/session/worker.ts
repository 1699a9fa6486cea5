// A Telegram session actor: one gramjs client in its own worker thread, serving the SessionApi (protocol.ts) to the
// supervisor. Blocks are fetched with upload.getFile directly (up to 1 MiB; gramjs's helpers stop at 512 KiB) and
// handed over as transferred ArrayBuffers. FLOOD_WAIT is never slept through here: it goes back to the supervisor,
// which moves the job and rests this session.
import { createRequire } from 'node:module';
import { exposeSession, postSessionEvent, sessionWorkerData, transferBlock } from '../supervisor/worker-side.ts';
import { RpcError, floodWait } from '../errors.ts';
import { installFastCrypto } from './fast-crypto.ts';
import { closeClient } from './close-client.ts';
import { PersistentSession } from './persistent-session.ts';
import { fileMetaOf, locationOf, type CachedLocation } from './document.ts';
import type { BlockRequest, BotApi, BotUpdate, FileMeta, InlineButton, SessionApi, SessionEvent, TelegramSessionSpec } from './protocol.ts';

const require = createRequire(import.meta.url);
const { TelegramClient, Api, errors } = require('telegram') as typeof import('telegram');
const { Raw } = require('telegram/events') as typeof import('telegram/events/index.js');
const { Logger, LogLevel } = require('telegram/extensions/Logger') as typeof import('telegram/extensions/Logger.js');
const { HTMLParser } = require('telegram/extensions/html') as typeof import('telegram/extensions/html.js');
const { generateRandomLong } = require('telegram/Helpers') as typeof import('telegram/Helpers.js');

installFastCrypto();

const { session: spec } = sessionWorkerData<TelegramSessionSpec>();
let client: InstanceType<typeof TelegramClient> | undefined;
let session: PersistentSession | undefined;
let savedSession = spec.session ?? '';
const channels = new Map<string, InstanceType<typeof Api.InputChannel>>();
const files = new Map<string, { meta: FileMeta; location: CachedLocation }>();
/** Cache bound: metadata of this many recently used files. */
const MAX_CACHED_FILES = 2000;

const post = (event: SessionEvent) => postSessionEvent(event);

/** Turns a gramjs error into the actor error the supervisor schedules on. */
function toActorError(err: any): Error {
  if (err instanceof errors.FloodWaitError) return floodWait(err.seconds);
  if (err instanceof SenderBroken) return new RpcError('DC_CONNECTION_RESET', err.message, { dcId: err.dcId, retryable: true });
  if (typeof err?.errorMessage === 'string') {
    const code = err.errorMessage.replace(/_\d+$/, '');
    const retryable = code === 'FILE_REFERENCE_EXPIRED' || code === 'TIMEOUT' || err.code === 500;
    return new RpcError(code, err.errorMessage, { rpcCode: err.code, retryable });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * In-flight requests per DC. When gramjs drops a broken download sender (the DC answered -404 for its key), the
 * requests queued on it are never answered; they are failed here instead so fetchBlock retries on a new sender.
 */
const inFlightByDc = new Map<number, Set<(err: Error) => void>>();
class SenderBroken extends Error {
  constructor(readonly dcId: number) {
    super(`the connection to DC ${dcId} was reset`);
  }
}

function failInFlight(dcId: number): void {
  const waiters = inFlightByDc.get(dcId);
  inFlightByDc.delete(dcId);
  for (const fail of waiters ?? []) fail(new SenderBroken(dcId));
}

function onDc<T>(dcId: number, request: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let waiters = inFlightByDc.get(dcId);
    if (!waiters) inFlightByDc.set(dcId, (waiters = new Set()));
    const set = waiters;
    set.add(reject);
    request.then(resolve, reject).finally(() => set.delete(reject));
  });
}

/** Posts the session for the store whenever it changed (login, a newly authorized DC). */
function saveSession(): void {
  const saved = session?.saveAll() ?? '';
  if (saved && saved !== savedSession) {
    savedSession = saved;
    post({ type: 'session', session: saved });
  }
}

function requireClient() {
  if (!client) throw new RpcError('SESSION_NOT_STARTED', 'start() must complete first', { retryable: true });
  return client;
}

/** Log-channel ids arrive as Bot API style "-100<id>" or as the bare channel id. */
function channelIdOf(chatId: string): bigint {
  const s = chatId.startsWith('-100') ? chatId.slice(4) : chatId.replace(/^-/, '');
  if (!/^\d+$/.test(s)) throw new RpcError('CHANNEL_INVALID', `not a channel id: ${chatId}`, { rpcCode: 400 });
  return BigInt(s);
}

async function inputChannel(chatId: string) {
  const cached = channels.get(chatId);
  if (cached) return cached;
  const c = requireClient();
  const id = channelIdOf(chatId);
  // Bots may name a channel they belong to with access_hash 0; the answer carries the real hash.
  const res = (await c.invoke(new Api.channels.GetChannels({ id: [new Api.InputChannel({ channelId: id as any, accessHash: 0 as any })] }))) as InstanceType<typeof Api.messages.Chats>;
  const chat = res.chats[0] as InstanceType<typeof Api.Channel>;
  const input = new Api.InputChannel({ channelId: chat.id, accessHash: chat.accessHash! });
  channels.set(chatId, input);
  return input;
}

async function loadFile(chatId: string, messageId: number) {
  const c = requireClient();
  const res = (await c.invoke(new Api.channels.GetMessages({ channel: await inputChannel(chatId), id: [new Api.InputMessageID({ id: messageId })] }))) as InstanceType<typeof Api.messages.ChannelMessages>;
  const msg = res.messages[0];
  const media = msg && msg.className === 'Message' ? msg.media : undefined;
  const doc = media?.className === 'MessageMediaDocument' ? media.document : undefined;
  if (!doc || doc.className !== 'Document') throw new RpcError('FILE_NOT_FOUND', `message ${messageId} in ${chatId} holds no document`, { rpcCode: 404 });
  const entry = { meta: { chatId, messageId, ...fileMetaOf(doc) }, location: locationOf(doc) };
  const key = `${chatId}:${messageId}`;
  files.delete(key);
  files.set(key, entry);
  if (files.size > MAX_CACHED_FILES) files.delete(files.keys().next().value!);
  return entry;
}

async function fileEntry(chatId: string, messageId: number) {
  return files.get(`${chatId}:${messageId}`) ?? loadFile(chatId, messageId);
}

function toUpdate(u: any): BotUpdate | undefined {
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

/** A user (by id, from the entity cache the updates filled) or a channel ("-100<id>") as an input peer. */
async function inputPeer(chatId: string): Promise<any> {
  if (chatId.startsWith('-')) {
    const ch = await inputChannel(chatId);
    return new Api.InputPeerChannel({ channelId: ch.channelId, accessHash: ch.accessHash });
  }
  if (!/^\d+$/.test(chatId)) throw new RpcError('PEER_ID_INVALID', `not a chat id: ${chatId}`, { rpcCode: 400 });
  try {
    return await requireClient().getInputEntity(BigInt(chatId) as any);
  } catch {
    return new Api.InputPeerUser({ userId: BigInt(chatId) as any, accessHash: 0 as any });
  }
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

async function rpc<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toActorError(err);
  }
}

const bot: BotApi = {
  sendMessage: ({ chatId, text, buttons, html }) => rpc(async () => {
    const [message, entities] = html ? HTMLParser.parse(text) : [text, undefined];
    const result = await requireClient().invoke(new Api.messages.SendMessage({ peer: await inputPeer(chatId), message, entities, randomId: generateRandomLong(), replyMarkup: replyMarkup(buttons), noWebpage: true }));
    return { messageId: newMessageOf(result).id as number };
  }),

  editMessage: (chatId, messageId, text, buttons) => rpc(async () => {
    await requireClient().invoke(new Api.messages.EditMessage({ peer: await inputPeer(chatId), id: messageId, message: text, replyMarkup: buttons === null ? new Api.ReplyInlineMarkup({ rows: [] }) : replyMarkup(buttons), noWebpage: true }));
  }),

  forwardToChannel: (fromChatId, messageId, channelId) => rpc(async () => {
    const result = await requireClient().invoke(new Api.messages.ForwardMessages({ fromPeer: await inputPeer(fromChatId), id: [messageId], toPeer: await inputPeer(channelId), randomId: [generateRandomLong()] }));
    const msg = newMessageOf(result);
    const doc = msg.media instanceof Api.MessageMediaDocument && msg.media.document instanceof Api.Document ? msg.media.document : undefined;
    if (!doc) return { messageId: msg.id };
    const entry = { meta: { chatId: channelId, messageId: msg.id, ...fileMetaOf(doc) }, location: locationOf(doc) };
    files.set(`${channelId}:${msg.id}`, entry);
    return { messageId: msg.id, file: entry.meta };
  }),

  answerCallback: (queryId, text, alert) => rpc(async () => {
    await requireClient().invoke(new Api.messages.SetBotCallbackAnswer({ queryId: BigInt(queryId) as any, message: text, alert }));
  }),

  channelMembership: async (channelId, userId) => {
    try {
      const res = await requireClient().invoke(new Api.channels.GetParticipant({ channel: await inputChannel(channelId), participant: await inputPeer(userId) }));
      const p = res.participant;
      if (p instanceof Api.ChannelParticipantCreator) return 'creator';
      if (p instanceof Api.ChannelParticipantAdmin) return 'admin';
      if (p instanceof Api.ChannelParticipantBanned || p instanceof Api.ChannelParticipantLeft) return 'none';
      return 'member';
    } catch (err: any) {
      if (err?.errorMessage === 'USER_NOT_PARTICIPANT') return 'none';
      throw toActorError(err);
    }
  },

  setCommands: (commands) => rpc(async () => {
    await requireClient().invoke(new Api.bots.SetBotCommands({ scope: new Api.BotCommandScopeDefault(), langCode: '', commands: commands.map((c) => new Api.BotCommand(c)) }));
  }),
};

const api: SessionApi = {
  async start() {
    let connection: any;
    if (spec.sandbox) {
      const { sandboxConnection, trustSandboxKey } = await import('../../src/sandbox/client.ts');
      trustSandboxKey(spec.sandbox);
      connection = sandboxConnection(spec.sandbox);
    }
    try {
      session = new PersistentSession(spec.session);
    } catch {
      // An unreadable saved session costs one fresh login, not a session that never starts.
      session = new PersistentSession();
    }
    if (!session.save() && spec.sandbox) session.setDC(1, spec.sandbox.host, spec.sandbox.ports[1]!);
    client = new TelegramClient(session, spec.apiId, spec.apiHash, {
      connection,
      connectionRetries: 5,
      floodSleepThreshold: 0,
      autoReconnect: true,
      // gramjs logs to stdout by itself; only its errors are worth a line.
      baseLogger: new Logger(LogLevel.ERROR),
    });
    const cleanup = (client as any)._cleanupExportedSender.bind(client);
    (client as any)._cleanupExportedSender = async (dcId: number) => {
      try {
        return await cleanup(dcId);
      } finally {
        // After the cleanup, so a retry borrows a new sender rather than the broken one.
        failInFlight(dcId);
      }
    };
    // Before start(): updates may arrive as soon as the login completes.
    if (spec.receiveUpdates) {
      client.addEventHandler((u: any) => {
        const update = toUpdate(u);
        if (update) post({ type: 'update', update });
      }, new Raw({}));
    }
    await client.start({ botAuthToken: spec.botToken });
    saveSession();
    const me = (await client.getMe()) as InstanceType<typeof Api.User>;
    return { botId: me.id.toString(), username: me.username ?? '' };
  },

  async resolveFile(chatId, messageId) {
    try {
      return (await loadFile(chatId, messageId)).meta;
    } catch (err) {
      throw toActorError(err);
    }
  },

  async fetchBlock(req: BlockRequest) {
    const c = requireClient();
    let entry = await fileEntry(req.chatId, req.messageId).catch((err) => { throw toActorError(err); });
    let resets = 0;
    for (let attempt = 0; ; attempt++) {
      const loc = entry.location;
      try {
        const res = (await onDc(loc.dcId, c.invoke(new Api.upload.GetFile({
          location: new Api.InputDocumentFileLocation({ id: loc.id, accessHash: loc.accessHash, fileReference: loc.fileReference, thumbSize: '' }),
          offset: BigInt(req.offset) as any,
          limit: req.limit,
        }), loc.dcId))) as InstanceType<typeof Api.upload.File>;
        // gramjs's bytes may view a larger buffer: copy into one this thread owns whole, then give it away.
        if (session?.markAuthorized(loc.dcId)) saveSession();
        const out = new ArrayBuffer(res.bytes.length);
        new Uint8Array(out).set(res.bytes);
        return transferBlock(out);
      } catch (err: any) {
        if (attempt >= 3 + resets) throw toActorError(err);
        if (err instanceof errors.FileMigrateError) {
          loc.dcId = err.newDc;
          continue;
        }
        if (err instanceof SenderBroken && resets++ < 3) continue;
        if (err?.errorMessage === 'AUTH_KEY_UNREGISTERED' && session && loc.dcId !== session.dcId) {
          // A saved key for that DC is no longer authorized: start over there (new key, export, import).
          session.forget(loc.dcId);
          await (c as any)._cleanupExportedSender(loc.dcId);
          continue;
        }
        if (err?.errorMessage === 'FILE_REFERENCE_EXPIRED' || err?.errorMessage === 'FILE_REFERENCE_INVALID') {
          // References are per bot and expire: refetch the message in this session and retry.
          entry = await loadFile(req.chatId, req.messageId).catch((e) => { throw toActorError(e); });
          continue;
        }
        throw toActorError(err);
      }
    }
  },

  async ping() {
    return Date.now();
  },

  async stop() {
    const c = client;
    client = undefined;
    if (c) await closeClient(c);
  },
};

exposeSession({ ...api, ...bot } as SessionApi);
