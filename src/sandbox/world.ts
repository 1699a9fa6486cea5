// The sandbox's Telegram: accounts, bots, channels, messages, documents and file references.
// Pure state with an event for every update that must reach an account; the DC servers turn events into TL.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { makeDocument, makePhoto, MediaError, type FileSpecInput, type OtherMedia, type PhotoInput, type StoredDocument, type StoredPhoto } from './world-media.ts';
import { UpdatesLog } from './updates-log.ts';

export type { DocumentKind, FileSpecInput, StoredDocument, StoredPhoto, VideoInfo } from './world-media.ts';

export type { Account, InlineButton, PeerRef, StoredMessage, MessageContent, Mailbox, MemberRole, Channel, CallbackQuery, WorldEvent } from './world-types.ts';
import type { Account, InlineButton, PeerRef, StoredMessage, MessageContent, Mailbox, MemberRole, Channel, CallbackQuery, WorldEvent } from './world-types.ts';

export class WorldError extends Error {
  override name = 'WorldError';
}

const randomLong = (): bigint => randomBytes(8).readBigInt64LE(0);
const positiveId = (): bigint => BigInt(randomBytes(4).readUInt32LE(0) % 2_000_000_000) + 100_000n;
const now = () => Math.floor(Date.now() / 1000);
/** Bot API token shape: "<id>:<35 characters>". */
const botToken = (id: bigint): string => `${id}:${randomBytes(26).toString('base64url').slice(0, 35)}`;

export interface WorldOptions {
  /** Lifetime of a file reference; an expired one answers FILE_REFERENCE_EXPIRED. */
  fileReferenceTtlMs?: number;
  /** DC count; accounts live on DC 1 unless told otherwise. */
  dcCount?: number;
}

export class World extends EventEmitter<{ event: [WorldEvent] }> {
  readonly accounts = new Map<bigint, Account>();
  readonly botsByToken = new Map<string, bigint>();
  readonly channels = new Map<bigint, Channel>();
  readonly documents = new Map<bigint, StoredDocument>();
  readonly photos = new Map<bigint, StoredPhoto>();
  /** pts history of every private box, for updates.getDifference. */
  readonly updatesLog = new UpdatesLog();
  readonly boxes = new Map<bigint, Mailbox>();
  readonly callbackQueries = new Map<bigint, CallbackQuery>();
  /** hex(file_reference) → owner and issue time. References are per account (per bot); their lifetime is the current TTL. */
  readonly fileReferences = new Map<string, { documentId: bigint; accountId: bigint; issuedAt: number; expired: boolean }>();
  /** The reference currently handed to each (document, account), so rendering a message need not scan them all. */
  readonly #currentReference = new Map<string, string>();
  /** "<from>:<to>" for every pair where `from` has written to `to` (a bot may only answer those who wrote first). */
  readonly #wrote = new Set<string>();
  /** "<user>:<bot>" for every user who blocked a bot. */
  readonly #blocked = new Set<string>();
  fileReferenceTtlMs: number;
  readonly dcCount: number;

  constructor(opts: WorldOptions = {}) {
    super();
    this.fileReferenceTtlMs = opts.fileReferenceTtlMs ?? 3_600_000;
    this.dcCount = opts.dcCount ?? 2;
  }

  // ── accounts ──────────────────────────────────────────────────────────
  createUser(input: { firstName: string; lastName?: string; username?: string; id?: bigint; homeDc?: number }): Account {
    const id = input.id ?? positiveId();
    if (this.accounts.has(id)) throw new WorldError(`account ${id} exists`);
    const account: Account = { id, accessHash: randomLong(), firstName: input.firstName, lastName: input.lastName, username: input.username, bot: false, homeDc: input.homeDc ?? 1 };
    this.accounts.set(id, account);
    return account;
  }

  createBot(input: { username: string; firstName?: string; id?: bigint; homeDc?: number }): Account & { token: string } {
    const id = input.id ?? positiveId();
    const token = botToken(id);
    const account: Account = { id, accessHash: randomLong(), firstName: input.firstName ?? input.username, username: input.username, bot: true, token, homeDc: input.homeDc ?? 1 };
    if (this.accounts.has(id)) throw new WorldError(`account ${id} exists`);
    this.accounts.set(id, account);
    this.botsByToken.set(token, id);
    return account as Account & { token: string };
  }

  /** Gives a bot a new token; the old one no longer logs in (ACCESS_TOKEN_INVALID). */
  resetBotToken(botId: bigint): string {
    const bot = this.account(botId);
    if (!bot.bot || bot.token === undefined) throw new WorldError(`account ${botId} is not a bot`);
    this.botsByToken.delete(bot.token);
    bot.token = botToken(bot.id);
    this.botsByToken.set(bot.token, bot.id);
    return bot.token;
  }

  account(id: bigint): Account {
    const a = this.accounts.get(id);
    if (!a) throw new WorldError(`no account ${id}`);
    return a;
  }

  box(accountId: bigint): Mailbox {
    let box = this.boxes.get(accountId);
    if (!box) {
      box = { nextId: 1, pts: 0, messages: new Map() };
      this.boxes.set(accountId, box);
    }
    return box;
  }

  // ── channels ──────────────────────────────────────────────────────────
  createChannel(input: { title: string; username?: string; creatorId?: bigint; admins?: bigint[]; members?: bigint[]; id?: bigint }): Channel {
    const id = input.id ?? positiveId();
    const channel: Channel = { id, accessHash: randomLong(), title: input.title, username: input.username, broadcast: true, date: now(), members: new Map(), box: { nextId: 1, pts: 0, messages: new Map() } };
    if (input.creatorId !== undefined) channel.members.set(input.creatorId, { role: 'creator', date: now() });
    for (const a of input.admins ?? []) channel.members.set(a, { role: 'admin', date: now() });
    for (const m of input.members ?? []) channel.members.set(m, { role: 'member', date: now() });
    this.channels.set(id, channel);
    return channel;
  }

  channel(id: bigint): Channel {
    const c = this.channels.get(id);
    if (!c) throw new WorldError(`no channel ${id}`);
    return c;
  }

  setMember(channelId: bigint, userId: bigint, role: MemberRole | null): void {
    const channel = this.channel(channelId);
    this.account(userId);
    if (role === null) channel.members.delete(userId);
    else channel.members.set(userId, { role, date: now() });
  }

  // ── documents and references ─────────────────────────────────────────
  addDocument(spec: FileSpecInput, defaultDc = 1): StoredDocument {
    const doc = this.#wrapMedia(() => makeDocument(spec, this.#dc(spec.dcId ?? defaultDc)));
    this.documents.set(doc.id, doc);
    return doc;
  }

  addPhoto(input: PhotoInput, defaultDc = 1): StoredPhoto {
    const photo = this.#wrapMedia(() => makePhoto(input, this.#dc(input.dcId ?? defaultDc)));
    this.photos.set(photo.id, photo);
    return photo;
  }

  #dc(dcId: number): number {
    if (!Number.isInteger(dcId) || dcId < 1 || dcId > this.dcCount) throw new WorldError(`no DC ${dcId}`);
    return dcId;
  }

  #wrapMedia<T>(make: () => T): T {
    try {
      return make();
    } catch (err) {
      throw err instanceof MediaError ? new WorldError(err.message) : err;
    }
  }

  /** The account's current reference to a document or photo (ids never collide): reused while valid, renewed once expired. */
  fileReferenceFor(documentId: bigint, accountId: bigint): Buffer {
    const slot = `${documentId}:${accountId}`;
    const current = this.#currentReference.get(slot);
    if (current !== undefined && this.#valid(this.fileReferences.get(current)!)) return Buffer.from(current, 'hex');
    const ref = Buffer.concat([Buffer.from([2]), randomBytes(19)]);
    const hex = ref.toString('hex');
    this.fileReferences.set(hex, { documentId, accountId, issuedAt: Date.now(), expired: false });
    this.#currentReference.set(slot, hex);
    return ref;
  }

  /** Checks a reference presented by an account: 'ok', 'expired' or 'invalid'. */
  checkFileReference(documentId: bigint, accountId: bigint, reference: Buffer): 'ok' | 'expired' | 'invalid' {
    const ref = this.fileReferences.get(reference.toString('hex'));
    if (!ref || ref.documentId !== documentId || ref.accountId !== accountId) return 'invalid';
    return this.#valid(ref) ? 'ok' : 'expired';
  }

  #valid(ref: { issuedAt: number; expired: boolean }): boolean {
    return !ref.expired && Date.now() - ref.issuedAt < this.fileReferenceTtlMs;
  }

  /** Makes every reference issued so far expire now (FILE_REFERENCE_EXPIRED for all current downloads). */
  expireFileReferences(): number {
    let n = 0;
    for (const ref of this.fileReferences.values()) {
      if (this.#valid(ref)) n++;
      ref.expired = true;
    }
    return n;
  }

  // ── messaging ────────────────────────────────────────────────────────
  /** A private message from `fromId` to `toId`, stored in both boxes; the recipient gets an update. */
  sendPrivate(fromId: bigint, toId: bigint, content: MessageContent): { senderCopy: StoredMessage; recipientCopy: StoredMessage } {
    const [pair] = this.sendPrivateBatch(fromId, toId, [content]);
    return pair!;
  }

  /** Several private messages at once (an album): the recipient gets them in one update. */
  sendPrivateBatch(fromId: bigint, toId: bigint, contents: MessageContent[]): { senderCopy: StoredMessage; recipientCopy: StoredMessage }[] {
    const from = this.account(fromId);
    const to = this.account(toId);
    if (from.deleted) throw new WorldError(`account ${fromId} is deleted`);
    // On Telegram a user who writes to a bot they blocked has unblocked it.
    if (to.bot) this.#blocked.delete(`${fromId}:${toId}`);
    const date = now();
    const make = (ownerId: bigint, peerId: bigint, out: boolean, content: MessageContent): { message: StoredMessage; pts: number } => {
      const box = this.box(ownerId);
      // A reply names the sender's message; each box knows it by its own id.
      const replyToId = content.replyToId === undefined ? undefined : out ? content.replyToId : this.#mirrorId(fromId, toId, content.replyToId);
      const message: StoredMessage = { id: box.nextId++, peer: { kind: 'user', id: peerId }, fromId: out ? ownerId : peerId, out, date, text: content.text ?? '', documentId: content.documentId, photoId: content.photoId, other: content.other, groupedId: content.groupedId, buttons: content.buttons, fwdFrom: content.fwdFrom, replyToId, textUrls: content.textUrls, post: false };
      box.messages.set(message.id, message);
      return { message, pts: this.#bumpPts(ownerId, 'new', message.id) };
    };
    this.#wrote.add(`${fromId}:${toId}`);
    const pairs = contents.map((content) => {
      const sender = make(fromId, toId, true, content);
      const recipient = make(toId, fromId, false, content);
      this.recordMirror(fromId, toId, sender.message.id, recipient.message.id);
      return { sender, recipient };
    });
    this.emit('event', { kind: 'new-message', to: toId, box: 'private', messages: pairs.map((p) => p.recipient) });
    return pairs.map((p) => ({ senderCopy: p.sender.message, recipientCopy: p.recipient.message }));
  }

  /** Moves a private box's pts by one and keeps the event for updates.getDifference. */
  #bumpPts(ownerId: bigint, kind: 'new' | 'edit', messageId: number): number {
    const box = this.box(ownerId);
    box.pts++;
    this.updatesLog.record(ownerId, { pts: box.pts, kind, messageId, date: now() });
    return box.pts;
  }

  // ── users who cannot be reached ──────────────────────────────────────
  setBlocked(userId: bigint, botId: bigint, blocked: boolean): void {
    this.account(userId);
    if (!this.account(botId).bot) throw new WorldError(`account ${botId} is not a bot`);
    if (blocked) this.#blocked.add(`${userId}:${botId}`);
    else this.#blocked.delete(`${userId}:${botId}`);
  }

  hasBlocked(userId: bigint, botId: bigint): boolean {
    return this.#blocked.has(`${userId}:${botId}`);
  }

  /** Deletes a user's account: it renders as deleted and nobody can write to it. */
  deactivate(userId: bigint): void {
    const a = this.account(userId);
    if (a.bot) throw new WorldError(`account ${userId} is a bot: deactivate users only`);
    a.deleted = true;
  }

  hasWritten(fromId: bigint, toId: bigint): boolean {
    return this.#wrote.has(`${fromId}:${toId}`);
  }

  /** A post in a channel; every bot member that is an admin receives it (as Telegram delivers channel posts to admin bots). */
  postToChannel(channelId: bigint, authorId: bigint | undefined, content: MessageContent): StoredMessage {
    const channel = this.channel(channelId);
    const msg: StoredMessage = { id: channel.box.nextId++, peer: { kind: 'channel', id: channelId }, fromId: undefined, out: false, date: now(), text: content.text ?? '', documentId: content.documentId, photoId: content.photoId, other: content.other, groupedId: content.groupedId, buttons: content.buttons, fwdFrom: content.fwdFrom, post: true };
    channel.box.messages.set(msg.id, msg);
    channel.box.pts++;
    for (const [memberId, m] of channel.members) {
      const acc = this.accounts.get(memberId);
      if (!acc?.bot || m.role === 'member') continue;
      this.emit('event', { kind: 'new-message', to: memberId, box: msg.peer, messages: [{ message: { ...msg, out: memberId === authorId }, pts: channel.box.pts }] });
    }
    return msg;
  }

  editMessage(ownerId: bigint, peer: PeerRef, id: number, content: { text?: string; buttons?: InlineButton[][] | null; textUrls?: string[] }): StoredMessage {
    const box = peer.kind === 'channel' ? this.channel(peer.id).box : this.box(ownerId);
    const msg = box.messages.get(id);
    if (!msg) throw new WorldError('MESSAGE_ID_INVALID');
    const apply = (m: StoredMessage) => {
      if (content.text !== undefined) [m.text, m.textUrls] = [content.text, content.textUrls];
      if (content.buttons !== undefined) m.buttons = content.buttons ?? undefined;
    };
    apply(msg);
    msg.editDate = now();
    if (peer.kind === 'channel') box.pts++;
    else this.#bumpPts(ownerId, 'edit', id);
    // The other side of a private chat sees the edit too.
    if (peer.kind === 'user') {
      const mirrorId = this.#mirrorId(ownerId, peer.id, id);
      const other = this.box(peer.id);
      const m = mirrorId === undefined ? undefined : other.messages.get(mirrorId);
      if (m) {
        apply(m);
        m.editDate = msg.editDate;
        const pts = this.#bumpPts(peer.id, 'edit', m.id);
        this.emit('event', { kind: 'edit-message', to: peer.id, box: 'private', message: m, pts });
      }
    }
    return msg;
  }

  /** Private messages are stored twice; this maps the sender's id to the recipient's copy. */
  readonly #mirrors = new Map<string, number>();
  #mirrorId(ownerId: bigint, peerId: bigint, id: number): number | undefined {
    return this.#mirrors.get(`${ownerId}:${peerId}:${id}`);
  }
  recordMirror(ownerId: bigint, peerId: bigint, ownerMsgId: number, peerMsgId: number): void {
    this.#mirrors.set(`${ownerId}:${peerId}:${ownerMsgId}`, peerMsgId);
    this.#mirrors.set(`${peerId}:${ownerId}:${peerMsgId}`, ownerMsgId);
  }

  findMessage(ownerId: bigint, peer: PeerRef, id: number): StoredMessage | undefined {
    if (peer.kind === 'channel') return this.channels.get(peer.id)?.box.messages.get(id);
    return this.box(ownerId).messages.get(id);
  }

  // ── callback queries ─────────────────────────────────────────────────
  pressButton(userId: bigint, botId: bigint, msgId: number, data: Buffer): CallbackQuery {
    let resolve!: CallbackQuery['resolve'];
    const answered = new Promise<{ message?: string; alert: boolean; url?: string }>((r) => { resolve = r; });
    const query: CallbackQuery = { id: randomLong(), userId, botId, msgId, data, answered, resolve };
    this.callbackQueries.set(query.id, query);
    const botMsgId = this.#mirrorId(userId, botId, msgId) ?? msgId;
    this.emit('event', { kind: 'callback-query', to: botId, query: { ...query, msgId: botMsgId }, peer: { kind: 'user', id: userId }, chatInstance: BigInt.asIntN(64, userId * 1000003n + botId) });
    return query;
  }

  /** A fresh grouped_id for an album. */
  newGroupedId(): bigint {
    return randomLong();
  }
}
