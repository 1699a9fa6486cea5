// Control API for tests, the bench suite and the demo: play the users of the sandbox's Telegram, shape its network
// and read its counters. Ids cross as decimal strings so the same calls work over the loopback HTTP form.
import { generatedBytes, readFileRange } from './file-bytes.ts';
import type { FloodPolicy, Sandbox, SandboxCounters } from './sandbox.ts';
import { endpointOf } from './sandbox.ts';
import type { SandboxEndpoint } from './client.ts';
import type { DcState } from './dc.ts';
import type { FileSpecInput, InlineButton, MemberRole } from './world.ts';

export interface ButtonView {
  text: string;
  /** Callback data as UTF-8 text. */
  data?: string;
  url?: string;
}

export interface BotMessageView {
  id: number;
  text: string;
  buttons: ButtonView[][];
  documentId?: string;
  edited: boolean;
}

export interface FileInput extends Omit<FileSpecInput, 'data'> {
  /** Base64 content, for small files sent over HTTP. */
  base64?: string;
}

const id = (s: string | number | bigint): bigint => {
  try {
    return BigInt(s);
  } catch {
    throw new TypeError(`not an id: ${String(s)}`);
  }
};

function text(value: unknown, what: string, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) throw new TypeError(`${what} must be a non-empty string`);
}

const buttonsView = (rows: InlineButton[][] | undefined): ButtonView[][] =>
  (rows ?? []).map((row) => row.map((b) => ({ text: b.text, data: b.data?.toString('utf8'), url: b.url })));

function toSpec(file: FileInput): FileSpecInput {
  const { base64, ...rest } = file;
  return base64 !== undefined ? { ...rest, data: Buffer.from(base64, 'base64') } : rest;
}

export class SandboxControl {
  constructor(readonly sandbox: Sandbox) {}

  info(): SandboxEndpoint {
    return endpointOf(this.sandbox);
  }

  createUser(input: { firstName: string; lastName?: string; username?: string }): { id: string } {
    text(input?.firstName, 'firstName');
    text(input.username, 'username', true);
    return { id: this.sandbox.world.createUser(input).id.toString() };
  }

  createBot(input: { username: string; firstName?: string; homeDc?: number }): { id: string; token: string } {
    text(input?.username, 'username');
    if (input.homeDc !== undefined && !this.sandbox.dcs.some((d) => d.id === input.homeDc)) throw new RangeError(`no DC ${input.homeDc}`);
    const bot = this.sandbox.world.createBot(input);
    return { id: bot.id.toString(), token: bot.token };
  }

  createChannel(input: { title: string; username?: string; admins?: string[]; members?: string[] }): { id: string; accessHash: string } {
    text(input?.title, 'title');
    const c = this.sandbox.world.createChannel({ title: input.title, username: input.username, admins: (input.admins ?? []).map(id), members: (input.members ?? []).map(id) });
    return { id: c.id.toString(), accessHash: c.accessHash.toString() };
  }

  setMember(channelId: string, userId: string, role: MemberRole | null): void {
    this.sandbox.world.setMember(id(channelId), id(userId), role);
  }

  userSendsText(userId: string, botId: string, text: string): { messageId: number } {
    const { senderCopy } = this.sandbox.world.sendPrivate(id(userId), id(botId), { text });
    return { messageId: senderCopy.id };
  }

  userSendsFile(userId: string, botId: string, file: FileInput, caption = ''): { messageId: number; documentId: string; size: number } {
    const user = this.sandbox.world.account(id(userId));
    const doc = this.sandbox.world.addDocument(toSpec(file), user.homeDc);
    const { senderCopy } = this.sandbox.world.sendPrivate(user.id, id(botId), { text: caption, documentId: doc.id });
    return { messageId: senderCopy.id, documentId: doc.id.toString(), size: doc.size };
  }

  /** Posts a file straight into a channel (a log channel that already holds files). */
  postFile(channelId: string, file: FileInput, caption = ''): { messageId: number; documentId: string; size: number } {
    const doc = this.sandbox.world.addDocument(toSpec(file));
    const msg = this.sandbox.world.postToChannel(id(channelId), undefined, { text: caption, documentId: doc.id });
    return { messageId: msg.id, documentId: doc.id.toString(), size: doc.size };
  }

  /** What the bot sent to the user, oldest first, as the user sees it. */
  messagesFromBot(userId: string, botId: string): BotMessageView[] {
    const box = this.sandbox.world.box(id(userId));
    const bot = id(botId);
    return [...box.messages.values()]
      .filter((m) => !m.out && m.peer.kind === 'user' && m.peer.id === bot)
      .map((m) => ({ id: m.id, text: m.text, buttons: buttonsView(m.buttons), documentId: m.documentId?.toString(), edited: m.editDate !== undefined }));
  }

  /** Waits until the bot has sent the user at least `count` messages. */
  async waitForBotMessages(userId: string, botId: string, count: number, timeoutMs = 5000): Promise<BotMessageView[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const msgs = this.messagesFromBot(userId, botId);
      if (msgs.length >= count) return msgs;
      if (Date.now() > deadline) throw new Error(`bot sent ${msgs.length} of ${count} expected messages within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  channelMessages(channelId: string): { id: number; text: string; documentId?: string; forwarded: boolean }[] {
    return [...this.sandbox.world.channel(id(channelId)).box.messages.values()].map((m) => ({ id: m.id, text: m.text, documentId: m.documentId?.toString(), forwarded: Boolean(m.fwdFrom) }));
  }

  /** Presses an inline button under a bot's message; resolves the bot's answer (or rejects on timeout). */
  async pressButton(userId: string, botId: string, messageId: number, data: string, timeoutMs = 5000): Promise<{ message?: string; alert: boolean; url?: string }> {
    const q = this.sandbox.world.pressButton(id(userId), id(botId), messageId, Buffer.from(data, 'utf8'));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('bot did not answer the callback query')), timeoutMs); });
    try {
      return await Promise.race([q.answered, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  botCommands(botId: string): { command: string; description: string }[] {
    return this.sandbox.botCommands.get(id(botId)) ?? [];
  }

  setLatency(dcId: number, ms: number): void {
    this.sandbox.setLatency(dcId, ms);
  }

  setBandwidthCap(bytesPerSecond: number, botId?: string): void {
    this.sandbox.setBandwidthCap(bytesPerSecond, botId === undefined ? undefined : id(botId));
  }

  setFloodPolicy(method: string, policy: FloodPolicy | null): void {
    this.sandbox.setFloodPolicy(method, policy);
  }

  floodWait(botId: string, seconds: number): void {
    this.sandbox.floodWaitAccount(id(botId), seconds);
  }

  setFileReferenceTtl(ms: number): void {
    this.sandbox.world.fileReferenceTtlMs = ms;
  }

  expireFileReferences(): number {
    return this.sandbox.world.expireFileReferences();
  }

  failNext(method: string, count: number, error: { code: number; message: string }, botId?: string): void {
    this.sandbox.failNext(method, count, error, botId === undefined ? undefined : id(botId));
  }

  /** Forgets failNext failures not yet served (of one method, or all): the revert for failNext. */
  clearFailures(method?: string): number {
    return this.sandbox.clearFailures(method);
  }

  /**
   * The DC (every DC when dcId is undefined) stops answering for `ms`: connections stay open, requests, pings and
   * acks received meanwhile are held and answered when the freeze ends. `freezeDc(x, 0)` ends a freeze now.
   */
  freezeDc(dcId: number | undefined, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`freezeDc: ms must be a number ≥ 0 (got ${ms}); 0 ends a freeze`);
    for (const dc of this.sandbox.dcsFor(dcId ?? undefined)) dc.freeze(ms);
  }

  /**
   * The DC (every DC when dcId is undefined) restarts: every client connection closes, new ones are refused
   * (ECONNREFUSED) for `downMs`, then it listens on the same port again. Auth keys and logins survive.
   * Resolves when the DC listens again.
   */
  async restartDc(dcId: number | undefined, downMs: number): Promise<void> {
    if (!Number.isFinite(downMs) || downMs < 0) throw new RangeError(`restartDc: downMs must be a number ≥ 0 (got ${downMs})`);
    await Promise.all(this.sandbox.dcsFor(dcId ?? undefined).map((dc) => dc.restart(downMs)));
  }

  /**
   * Revokes every authorization of a bot on every DC (its login and imported ones): calls answer 401
   * AUTH_KEY_UNREGISTERED until auth.importBotAuthorization with its token succeeds again. resetToken also replaces
   * the token (the old one answers ACCESS_TOKEN_INVALID). Returns the auth keys revoked and the token that now works.
   */
  revokeBot(botId: string, opts: { resetToken?: boolean } = {}): { authKeys: number; token: string } {
    return this.sandbox.revokeBot(id(botId), { resetToken: Boolean(opts?.resetToken) });
  }

  /** One DC's fault state: listening (false while a restart has it down), frozen, open connections, held packets. */
  dcState(dcId: number): DcState {
    return this.sandbox.dc(dcId).state();
  }

  dropConnections(opts: { dcId?: number; userId?: string } = {}): number {
    return this.sandbox.dropConnections({ dcId: opts.dcId, userId: opts.userId === undefined ? undefined : id(opts.userId) });
  }

  counters(): SandboxCounters & { cpuMs: number } {
    const cpu = process.cpuUsage();
    return { ...structuredClone(this.sandbox.counters), cpuMs: (cpu.user + cpu.system) / 1000 };
  }

  /** Bytes of a stored document, for checking downloads byte-exact. */
  fileBytes(documentId: string, offset: number, length: number): Buffer {
    const doc = this.sandbox.world.documents.get(id(documentId));
    if (!doc) throw new RangeError(`no document ${documentId}`);
    return readFileRange(doc.source, doc.size, offset, length);
  }
}

export { generatedBytes };
