// A fake Telegram for the bot's unit tests: records every BotApi call, answers like Telegram, and fails on demand
// (FLOOD_WAIT with seconds, USER_IS_BLOCKED, ...). Time is virtual: sleeps resolve one at a time, earliest first,
// each after the event loop has had a turn, so hours of pacing run in milliseconds and in order.

import { pino } from 'pino';
import { RpcError, floodWait } from '../../actors/errors.ts';
import type { BotApi, BotUpdate, FileMeta, InlineButton, OutgoingMessage } from '../../actors/session/protocol.ts';
import { createBot, RecentLogs, type Bot, type BotConfig } from '../../src/bot/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';

export const START = Date.UTC(2024, 4, 10, 12, 0, 0);

export class VirtualClock {
  t: number;
  #sleepers: { at: number; seq: number; resolve: () => void }[] = [];
  #seq = 0;
  #scheduled = false;

  constructor(start = START) {
    this.t = start;
  }

  now = (): number => this.t;

  sleep = (ms: number): Promise<void> => new Promise((resolve) => {
    this.#sleepers.push({ at: this.t + Math.max(0, ms), seq: this.#seq++, resolve });
    this.#sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.#schedule();
  });

  /** Moves time forward at once (a day passing between two messages). */
  advance(ms: number): void {
    this.t += ms;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A real timer turn lets promises and store calls settle before time jumps.
    setTimeout(() => {
      this.#scheduled = false;
      const next = this.#sleepers.shift();
      if (!next) return;
      this.t = Math.max(this.t, next.at);
      next.resolve();
      if (this.#sleepers.length) this.#schedule();
    }, 0);
  }
}

export type Call =
  | { method: 'sendMessage'; at: number; msg: OutgoingMessage; messageId: number }
  | { method: 'editMessage'; at: number; chatId: string; messageId: number; text: string; buttons?: InlineButton[][] | null }
  | { method: 'copyToChannel'; at: number; fromChatId: string; messageId: number; channelId: string; caption?: string; newMessageId: number }
  | { method: 'copyMessage'; at: number; fromChatId: string; messageId: number; toChatId: string }
  | { method: 'answerCallback'; at: number; queryId: string; text?: string; alert?: boolean }
  | { method: 'setCommands'; at: number; commands: { command: string; description: string }[] }
  | { method: 'channelMembership' | 'channelInviteLink' | 'forwardToChannel'; at: number; args: unknown[] };

type Method = keyof BotApi;
/** Returns an error to throw for this call, or undefined to let it succeed. */
export type Failure = (args: unknown[]) => Error | undefined;

export class FakeBotTelegram implements BotApi {
  readonly calls: Call[] = [];
  readonly members = new Map<string, 'member' | 'admin' | 'creator' | 'none'>();
  readonly #failures = new Map<Method, Failure[]>();
  readonly #clock: VirtualClock;
  #nextMessageId = 1000;
  #nextLogMessageId = 1;
  /** Virtual time one copy to the log channel takes. */
  copyDelayMs = 0;
  /** Files the fake "sees" in user messages, by chat and message id (copyToChannel resolves them). */
  readonly files = new Map<string, Omit<FileMeta, 'chatId' | 'messageId'>>();

  constructor(clock: VirtualClock) {
    this.#clock = clock;
  }

  fail(method: Method, failure: Failure): void {
    const list = this.#failures.get(method) ?? [];
    list.push(failure);
    this.#failures.set(method, list);
  }

  /** The next `times` calls of `method` fail with `err`. */
  failTimes(method: Method, times: number, err: () => Error): void {
    let left = times;
    this.fail(method, () => (left-- > 0 ? err() : undefined));
  }

  #check(method: Method, args: unknown[]): void {
    for (const f of this.#failures.get(method) ?? []) {
      const err = f(args);
      if (err) throw err;
    }
  }

  sent(chatId?: string): Extract<Call, { method: 'sendMessage' }>[] {
    return this.calls.filter((c): c is Extract<Call, { method: 'sendMessage' }> => c.method === 'sendMessage' && (chatId === undefined || c.msg.chatId === chatId));
  }

  edits(chatId?: string): Extract<Call, { method: 'editMessage' }>[] {
    return this.calls.filter((c): c is Extract<Call, { method: 'editMessage' }> => c.method === 'editMessage' && (chatId === undefined || c.chatId === chatId));
  }

  of<M extends Call['method']>(method: M): Extract<Call, { method: M }>[] {
    return this.calls.filter((c): c is Extract<Call, { method: M }> => c.method === method);
  }

  /** What a chat ends up showing: each sent message's latest text, in order. */
  transcript(chatId: string): string[] {
    return this.sent(chatId).map((s) => {
      const last = this.edits(chatId).filter((e) => e.messageId === s.messageId).at(-1);
      return last ? last.text : s.msg.text;
    });
  }

  async sendMessage(msg: OutgoingMessage): Promise<{ messageId: number }> {
    this.#check('sendMessage', [msg]);
    if (msg.text.length > 4096) throw new RpcError('MESSAGE_TOO_LONG', 'message too long', { rpcCode: 400 });
    const messageId = this.#nextMessageId++;
    this.calls.push({ method: 'sendMessage', at: this.#clock.now(), msg: structuredClone(msg), messageId });
    return { messageId };
  }

  async editMessage(chatId: string, messageId: number, text: string, buttons?: InlineButton[][] | null): Promise<void> {
    this.#check('editMessage', [chatId, messageId, text, buttons]);
    if (text.length > 4096) throw new RpcError('MESSAGE_TOO_LONG', 'message too long', { rpcCode: 400 });
    this.calls.push({ method: 'editMessage', at: this.#clock.now(), chatId, messageId, text, buttons: buttons ?? null });
  }

  async forwardToChannel(...args: [string, number, string]): Promise<{ messageId: number }> {
    this.calls.push({ method: 'forwardToChannel', at: this.#clock.now(), args });
    return { messageId: this.#nextLogMessageId++ };
  }

  async copyToChannel(fromChatId: string, messageId: number, channelId: string, caption?: string): Promise<{ messageId: number; file?: FileMeta }> {
    if (this.copyDelayMs > 0) await this.#clock.sleep(this.copyDelayMs);
    this.#check('copyToChannel', [fromChatId, messageId, channelId, caption]);
    if (caption !== undefined && caption.length > 1024) throw new RpcError('MEDIA_CAPTION_TOO_LONG', 'caption too long', { rpcCode: 400 });
    const newMessageId = this.#nextLogMessageId++;
    this.calls.push({ method: 'copyToChannel', at: this.#clock.now(), fromChatId, messageId, channelId, caption, newMessageId });
    const file = this.files.get(`${fromChatId}:${messageId}`);
    return { messageId: newMessageId, ...(file ? { file: { ...file, chatId: channelId, messageId: newMessageId } } : {}) };
  }

  async copyMessage(fromChatId: string, messageId: number, toChatId: string): Promise<{ messageId: number }> {
    this.#check('copyMessage', [fromChatId, messageId, toChatId]);
    this.calls.push({ method: 'copyMessage', at: this.#clock.now(), fromChatId, messageId, toChatId });
    return { messageId: this.#nextMessageId++ };
  }

  async answerCallback(queryId: string, text?: string, alert?: boolean): Promise<void> {
    this.#check('answerCallback', [queryId, text, alert]);
    this.calls.push({ method: 'answerCallback', at: this.#clock.now(), queryId, text, alert });
  }

  async channelMembership(channelId: string, userId: string): Promise<'member' | 'admin' | 'creator' | 'none'> {
    this.#check('channelMembership', [channelId, userId]);
    this.calls.push({ method: 'channelMembership', at: this.#clock.now(), args: [channelId, userId] });
    return this.members.get(userId) ?? 'none';
  }

  async setCommands(commands: { command: string; description: string }[]): Promise<void> {
    this.#check('setCommands', [commands]);
    this.calls.push({ method: 'setCommands', at: this.#clock.now(), commands });
  }

  async channelInviteLink(channelId: string): Promise<string> {
    this.#check('channelInviteLink', [channelId]);
    this.calls.push({ method: 'channelInviteLink', at: this.#clock.now(), args: [channelId] });
    return 'https://t.me/+joinStreamBotNews';
  }
}

export const flood = (seconds: number) => floodWait(seconds);
export const rpc = (code: string) => new RpcError(code, code, { rpcCode: 400 });

export const ADMIN = 900;
export const LOG_CHANNEL = '-1001234567890';
export const BASE_URL = 'https://dl.example.org';

export function testConfig(overrides: Partial<BotConfig> = {}): BotConfig {
  return {
    logChannel: LOG_CHANNEL,
    baseUrl: BASE_URL,
    admins: [ADMIN],
    forceSubChannel: null,
    maxLinksPerDay: 0,
    bandwidthLimitBytes: 0,
    userBandwidthLimitBytes: 0,
    maxFileSizeBytes: 0,
    allowedMimeTypes: [],
    blockedMimeTypes: [],
    videoFrontendUrl: 'https://player.example.org/',
    ...overrides,
  };
}

export interface Harness {
  bot: Bot;
  tg: FakeBotTelegram;
  store: Store;
  clock: VirtualClock;
  logs: RecentLogs;
  status: { activeStreams: number; sessions: { index: number; state: string; username?: string; detail?: string }[] };
  /** Hands updates to the bot and waits until every answer is out. */
  send(...updates: BotUpdate[]): Promise<void>;
  close(): Promise<void>;
}

export async function harness(config: Partial<BotConfig> = {}): Promise<Harness> {
  const clock = new VirtualClock();
  const tg = new FakeBotTelegram(clock);
  const logs = new RecentLogs();
  const logger = pino({ level: 'debug' }, logs);
  const store = await openStore({ dataDir: ':memory:', now: clock.now, flushIntervalMs: 3_600_000, sweepIntervalMs: 0, logger: pino({ level: 'silent' }) });
  const status = { activeStreams: 2, sessions: [{ index: 0, state: 'ready', username: 'streambot' }, { index: 1, state: 'flood-wait', detail: 'FLOOD_WAIT 30 s' }] };
  const bot = createBot({
    telegram: tg, store, config: testConfig(config), me: { id: '777', username: 'streambot' }, status: () => status, logs,
    now: clock.now, sleep: clock.sleep, logger,
  });
  await bot.start();
  return {
    bot, tg, store, clock, logs, status,
    async send(...updates) {
      for (const u of updates) bot.handle(u);
      await bot.idle();
    },
    async close() {
      await bot.stop();
      await store.close();
    },
  };
}

let nextMessageId = 1;

export function textMsg(userId: number, text: string, extra: Partial<Extract<BotUpdate, { kind: 'message' }>> = {}): Extract<BotUpdate, { kind: 'message' }> {
  return { kind: 'message', chatId: String(userId), messageId: nextMessageId++, fromId: String(userId), fromFirstName: `User${userId}`, date: Math.floor(START / 1000), text, ...extra };
}

export type TestFile = NonNullable<Extract<BotUpdate, { kind: 'message' }>['file']>;

export function fileOf(overrides: Partial<TestFile> = {}): TestFile {
  return { size: 1_000_000, mimeType: 'video/mp4', fileName: 'holiday.mp4', uniqueId: `u${nextMessageId}`, isVideo: true, kind: 'video', ...overrides };
}

export function fileMsg(userId: number, file: TestFile = fileOf(), extra: Partial<Extract<BotUpdate, { kind: 'message' }>> = {}): Extract<BotUpdate, { kind: 'message' }> {
  return textMsg(userId, '', { file, ...extra });
}

export function callback(userId: number, data: string, messageId: number): BotUpdate {
  return { kind: 'callback', queryId: `q${nextMessageId++}`, fromId: String(userId), chatId: String(userId), messageId, data };
}
