// The sandbox world's data: accounts, channels, mailboxes, messages and the events an account must be told about.
import type { OtherMedia } from './world-media.ts';

export interface Account {
  id: bigint;
  accessHash: bigint;
  firstName: string;
  lastName?: string;
  username?: string;
  bot: boolean;
  /** Bot API token "<id>:<secret>" (bots only). */
  token?: string;
  /** DC the account lives on: where its authorization starts. */
  homeDc: number;
  /** The account was deleted: it renders as a deleted user and cannot be written to. */
  deleted?: boolean;
}

export interface InlineButton {
  text: string;
  /** Callback data (bytes, usually UTF-8). */
  data?: Buffer;
  url?: string;
}

export type PeerRef = { kind: 'user'; id: bigint } | { kind: 'channel'; id: bigint };

/** A message as seen in one mailbox (a user's private box or a channel). */
export interface StoredMessage {
  id: number;
  /** The chat it belongs to, as the box owner sees it: the other user for private boxes, the channel otherwise. */
  peer: PeerRef;
  fromId?: bigint;
  out: boolean;
  date: number;
  editDate?: number;
  text: string;
  documentId?: bigint;
  photoId?: bigint;
  other?: OtherMedia;
  /** Messages of one album share it (grouped_id). */
  groupedId?: bigint;
  buttons?: InlineButton[][];
  fwdFrom?: { fromId?: PeerRef; date: number; channelPost?: number };
  /** The message this one answers, by its id in the same box. */
  replyToId?: number;
  /** URLs behind text links (messageEntityTextUrl), as a reader can open them. */
  textUrls?: string[];
  post: boolean;
}

/** What a new message holds; every field optional. */
export type MessageContent = Partial<Pick<StoredMessage, 'text' | 'documentId' | 'photoId' | 'other' | 'groupedId' | 'buttons' | 'fwdFrom' | 'replyToId' | 'textUrls'>>;

export interface Mailbox {
  nextId: number;
  pts: number;
  messages: Map<number, StoredMessage>;
}

export type MemberRole = 'creator' | 'admin' | 'member';

export interface Channel {
  id: bigint;
  accessHash: bigint;
  title: string;
  username?: string;
  broadcast: boolean;
  date: number;
  members: Map<bigint, { role: MemberRole; date: number; inviterId?: bigint }>;
  box: Mailbox;
}

export interface CallbackQuery {
  id: bigint;
  userId: bigint;
  botId: bigint;
  msgId: number;
  data: Buffer;
  answer?: { message?: string; alert: boolean; url?: string };
  answered: Promise<{ message?: string; alert: boolean; url?: string }>;
  resolve: (a: { message?: string; alert: boolean; url?: string }) => void;
}

/** What an account must be told about (delivered as updates to its authorized connections). */
export type WorldEvent =
  /** Several messages at once (an album) arrive in one updates container. */
  | { kind: 'new-message'; to: bigint; box: PeerRef | 'private'; messages: { message: StoredMessage; pts: number }[] }
  | { kind: 'edit-message'; to: bigint; box: PeerRef | 'private'; message: StoredMessage; pts: number }
  | { kind: 'callback-query'; to: bigint; query: CallbackQuery; peer: PeerRef; chatInstance: bigint };
