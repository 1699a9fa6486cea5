// Where updates go. Work for one chat runs in order (a chain of promises per chat); different chats run side by
// side. Every message from a user refreshes the user in the store; then bans, commands, the force-subscribe check,
// files and everything else are told apart. A failing update is logged and answered, and the bot goes on.

import type { BotUpdate } from '../../actors/session/protocol.ts';
import { AlbumCollector } from './album.ts';
import { parseCommand, type Command } from './commands/command.ts';
import { onMyFilesCallback } from './commands/my-files.ts';
import { memberOrPrompt } from './commands/start.ts';
import { errorSummary, messageCtx, type BotServices, type MessageCtx } from './context.ts';
import { TRY_AGAIN_DATA } from './limits/force-subscribe.ts';
import { texts } from './texts.ts';
import { uploadAlbum, uploadSingle } from './upload.ts';
import type { CallbackUpdate, MessageUpdate } from './types.ts';

export class Router {
  readonly #s: BotServices;
  readonly #commands: Map<string, Command>;
  readonly #albums: AlbumCollector;
  readonly #chains = new Map<string, Promise<void>>();

  constructor(s: BotServices, commands: Command[]) {
    this.#s = s;
    this.#commands = new Map(commands.map((c) => [c.name, c]));
    this.#albums = new AlbumCollector(s.clock);
  }

  /** Promises of work not finished yet (for idle and stop). */
  pending(): Promise<void>[] {
    return [...this.#chains.values()];
  }

  route(update: BotUpdate): void {
    if (update.kind === 'callback') {
      this.#inChat(update.chatId || update.fromId, () => this.#callback(update));
      return;
    }
    // Channel posts carry no sender; groups and channels have negative ids. The bot answers people in private.
    if (update.fromBot || !update.fromId || update.chatId.startsWith('-')) return;
    if (update.groupedId && update.file) {
      const album = this.#albums.add(update);
      if (album) this.#inChat(update.chatId, async () => this.#message(update, await album.parts));
      return;
    }
    this.#inChat(update.chatId, () => this.#message(update));
  }

  #inChat(chatId: string, work: () => Promise<void>): void {
    const previous = this.#chains.get(chatId) ?? Promise.resolve();
    const next = previous.then(work).catch((err: unknown) => this.#failed(chatId, err));
    this.#chains.set(chatId, next);
    void next.then(() => {
      if (this.#chains.get(chatId) === next) this.#chains.delete(chatId);
    });
  }

  #failed(chatId: string, err: unknown): void {
    this.#s.logger.error({ err: errorSummary(err), chatId }, 'an update failed');
    this.#s.outbox.send({ chatId, text: texts.error(), html: true }, { merge: true }).catch(() => {});
  }

  /** `album` holds every part when the message is the first of an album. */
  async #message(msg: MessageUpdate, album?: MessageUpdate[]): Promise<void> {
    const s = this.#s;
    const userId = Number(msg.fromId);
    const user = await s.store.upsertUser({ userId, username: msg.fromUsername, firstName: msg.fromFirstName });
    const ctx = messageCtx(s, msg, userId);
    if (user.isBanned && !ctx.isAdmin) return ctx.say(texts.banned());

    const command = msg.file ? null : parseCommand(msg.text);
    if (command) return this.#command(ctx, command.name, command.args);
    if (!(await memberOrPrompt(ctx))) return;

    if (album) return uploadAlbum(ctx, album);
    if (msg.file) return uploadSingle(ctx);
    if (msg.other) return ctx.say(texts.other(msg.other));
    if (msg.text.trim() !== '') return ctx.say(texts.plainText());
    ctx.say(texts.empty());
  }

  async #command(ctx: MessageCtx, name: string, args: string): Promise<void> {
    const command = this.#commands.get(name);
    if (!command) {
      if (!(await memberOrPrompt(ctx))) return;
      return ctx.say(texts.unknownCommand(`/${name}`));
    }
    if (command.admin && !ctx.isAdmin) {
      this.#s.logger.warn({ userId: ctx.userId, command: name }, 'admin command refused');
      return ctx.say(texts.notAllowed());
    }
    if (!command.open && !(await memberOrPrompt(ctx))) return;
    await command.run(ctx, args);
  }

  async #callback(cb: CallbackUpdate): Promise<void> {
    const s = this.#s;
    const userId = Number(cb.fromId);
    const isAdmin = s.config.admins.includes(userId);
    try {
      const user = await s.store.getUser(userId);
      if (user?.isBanned && !isAdmin) return await s.telegram.answerCallback(cb.queryId, texts.banned(), true);
      if (cb.data === TRY_AGAIN_DATA) return await this.#tryAgain(cb, userId, isAdmin);
      if (s.forceSub && !isAdmin && !(await s.forceSub.isMember(userId))) {
        return await s.telegram.answerCallback(cb.queryId, texts.stillNotJoined(), true);
      }
      if (cb.data.startsWith('mf:')) return await onMyFilesCallback(s, cb, userId, isAdmin);
      await s.telegram.answerCallback(cb.queryId, texts.staleButton());
    } catch (err) {
      s.logger.error({ err: errorSummary(err), userId }, 'a button press failed');
      // The spinner on the user's button stops only when the callback is answered.
      await s.telegram.answerCallback(cb.queryId, texts.error(), true).catch(() => {});
    }
  }

  async #tryAgain(cb: CallbackUpdate, userId: number, isAdmin: boolean): Promise<void> {
    const s = this.#s;
    const member = isAdmin || !s.forceSub || (await s.forceSub.isMember(userId, { fresh: true }));
    if (!member) return s.telegram.answerCallback(cb.queryId, texts.stillNotJoined(), true);
    await s.telegram.answerCallback(cb.queryId, texts.joinedNow());
    await s.outbox.edit(cb.chatId, cb.messageId, texts.joinedNow(), null);
  }
}
