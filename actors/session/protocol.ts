// RPC surface of one Telegram session actor (one worker thread, one gramjs client), exposed with comlink.
// Errors crossing the boundary are plain objects made by serializeError (actors/errors.ts) so that the
// Telegram error code and FLOOD_WAIT seconds survive the trip. A failed call rejects with an RpcError whose fields
// say how to schedule around it (docs/sessions.md, "Errors"): `retryable`, `sessionFault`, `authRevoked`, `fatal`,
// `seconds` (FLOOD_WAIT), `dcId`.

import type { SessionMetricsReport } from './session-metrics.ts';
import type { LogEvent } from '../../src/log/worker.ts';

/** Where a file's bytes live, as seen by one bot (file references are per bot). */
export interface FileLocation {
  /** Log-channel message that carries the document. */
  chatId: string;
  messageId: number;
  /** Document fields for InputDocumentFileLocation; the reference is base64 so it clones cheaply. */
  documentId: string;
  accessHash: string;
  fileReference: string;
  dcId: number;
}

/** How Telegram presents a file: the media kinds a user can send a bot. */
export type MediaKind = 'document' | 'video' | 'audio' | 'voice' | 'photo' | 'animation' | 'video_note' | 'sticker';

export interface FileMeta {
  chatId: string;
  messageId: number;
  size: number;
  mimeType: string;
  fileName: string;
  /** Unique per stored document; used for ETags. */
  uniqueId: string;
  isVideo: boolean;
  /** Absent on metadata from before kinds were told apart; read it as 'document'. */
  kind?: MediaKind;
  duration?: number;
  width?: number;
  height?: number;
}

export interface BlockRequest {
  chatId: string;
  messageId: number;
  /** Aligned per upload.getFile rules: offset % limit == 0 is not required, but the block stays in one 1 MiB window. */
  offset: number;
  limit: number;
}

export type SessionState = 'starting' | 'ready' | 'flood-wait' | 'restarting' | 'failed' | 'stopped';

export interface SessionApi {
  /**
   * Connects and logs in (or restores the saved session, logging in again with the token if its authorization was
   * revoked); resolves the bot's user id. Rejects with `fatal: true` when the token itself is refused, and with
   * DC_UNREACHABLE (retryable) when the home DC cannot be reached.
   */
  start(): Promise<{ botId: string; username: string }>;
  /** Resolves a log-channel message to file metadata (and caches this bot's file reference). */
  resolveFile(chatId: string, messageId: number): Promise<FileMeta>;
  /** One upload.getFile block, returned as a transferred ArrayBuffer (the worker gives up ownership). */
  fetchBlock(req: BlockRequest): Promise<ArrayBuffer>;
  /** Liveness probe used by the supervisor's heartbeat. */
  ping(): Promise<number>;
  stop(): Promise<void>;
}

/** An inline keyboard button: a callback (data, up to 64 bytes) or a link. */
export type InlineButton = { text: string; data: string } | { text: string; url: string };

export interface OutgoingMessage {
  /** User id, or a channel as "-100<id>". */
  chatId: string;
  text: string;
  buttons?: InlineButton[][];
  /** Telegram's HTML subset. */
  html?: boolean;
  /** Answer to this message of the same chat. */
  replyTo?: number;
}

/**
 * Bot calls beyond downloading, made on one chosen session (the bot users talk to). Kept apart from SessionApi so
 * a download-only session (or a test fake) need not implement them.
 */
export interface BotApi {
  sendMessage(msg: OutgoingMessage): Promise<{ messageId: number }>;
  /** `text` is in Telegram's HTML subset (escape what must show literally); `buttons: null` removes the keyboard. */
  editMessage(chatId: string, messageId: number, text: string, buttons?: InlineButton[][] | null): Promise<void>;
  /** Forwards a user's message (its file) into a channel; resolves the new message and its file. */
  forwardToChannel(fromChatId: string, messageId: number, channelId: string): Promise<{ messageId: number; file?: FileMeta }>;
  /**
   * Copies a user's file into a channel as a new message without a forward header (messages.sendMedia with the
   * input document or photo, as Telegram clients "send as copy"), with `caption` as its text; resolves the new
   * message and its file as this bot sees it.
   */
  copyToChannel(fromChatId: string, messageId: number, channelId: string, caption?: string): Promise<{ messageId: number; file?: FileMeta }>;
  /** Sends a copy of any message (text or media, with its text) to another chat: broadcasts. */
  copyMessage(fromChatId: string, messageId: number, toChatId: string): Promise<{ messageId: number }>;
  answerCallback(queryId: string, text?: string, alert?: boolean): Promise<void>;
  /** Force-subscribe check: the user's membership of a channel the bot administers. */
  channelMembership(channelId: string, userId: string): Promise<'member' | 'admin' | 'creator' | 'none'>;
  setCommands(commands: { command: string; description: string }[]): Promise<void>;
  /** A link users can open to join a channel: https://t.me/<username> for a public one, else an invite link. */
  channelInviteLink(channelId: string): Promise<string>;
}

/** What the main thread gives each session worker (workerData.session). The token and session string are secrets. */
export interface TelegramSessionSpec {
  botToken: string;
  apiId: number;
  apiHash: string;
  /** Saved gramjs StringSession; empty or absent means log in with the token. Updated in place on 'session' events. */
  session?: string;
  /** Connect to a sandbox DC instead of Telegram. */
  sandbox?: import('../../src/sandbox/client.ts').SandboxEndpoint;
  /** Only this session receives bot updates (the primary bot); the others only download. */
  receiveUpdates?: boolean;
  /** Where the last run stopped reading updates; missed ones are fetched with updates.getDifference at start. */
  updatesState?: UpdatesState;
}

/** The client's position in its update sequence (core.telegram.org/api/updates). */
export interface UpdatesState {
  pts: number;
  qts: number;
  date: number;
  seq: number;
}

/** What a user sent besides text or a file: each gets its own short answer. */
export type OtherContent = 'sticker' | 'contact' | 'location' | 'poll' | 'dice' | 'game' | 'other';

/** A bot update, reduced to plain data on the worker so the main thread never needs gramjs. */
export type BotUpdate =
  | {
      kind: 'message';
      chatId: string;
      messageId: number;
      fromId?: string;
      fromUsername?: string;
      fromFirstName?: string;
      /** The sender is a bot (or the message is our own). */
      fromBot?: boolean;
      /** Unix seconds. */
      date: number;
      /** Message text or media caption. */
      text: string;
      /** A file the user sent (the largest size of a photo), with its kind. */
      file?: Omit<FileMeta, 'chatId' | 'messageId'>;
      /** Present on the messages of one album (same value on each). */
      groupedId?: string;
      /** Set when the message carries neither text nor a file StreamBot serves. */
      other?: OtherContent;
      /**
       * The message this one answers. For commands (text starting with "/") the worker also reads the replied
       * message: who sent it, whose message it forwards, and its text (an admin's /ban as a reply).
       */
      replyTo?: { messageId: number; fromId?: string; forwardFromId?: string; text?: string };
      /** Fetched through updates.getDifference after a restart rather than pushed live. */
      missed?: boolean;
    }
  | { kind: 'callback'; queryId: string; fromId: string; chatId: string; messageId: number; data: string };

/**
 * Events a session worker posts to the supervisor:
 * - 'session': the saved form changed (login, a newly authorized DC); keep it for the next start.
 * - 'update': a bot update (primary session only).
 * - 'metrics': the worker's own figures (blocks, bytes, failed calls, flood waits, heap), cumulative per worker,
 *   every few seconds.
 * - 'updates-state': the update sequence moved (posted at most every few seconds); keep it for the next start.
 * - 'link': the connection to a DC (the home DC or a download DC) was lost ('down') or is back ('up'). Posted on
 *   every change only; while a DC is down, calls needing it fail at once with DC_UNREACHABLE.
 * - 'log': one log record of the worker (src/log/worker.ts); the supervisor writes it tagged with the session index.
 */
export type SessionEvent =
  | { type: 'session'; session: string }
  | { type: 'update'; update: BotUpdate }
  | { type: 'link'; state: 'down' | 'up'; dcId: number }
  | { type: 'updates-state'; state: UpdatesState }
  | LogEvent
  | SessionMetricsReport;
