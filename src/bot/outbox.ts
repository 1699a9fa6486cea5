// Every message the bot sends or edits goes through here, so Telegram's bot limits hold whatever the handlers do:
// per chat, order is kept and about one message a second goes out (a short burst allowed); overall, about 30 a
// second. A FLOOD_WAIT pauses everything for the time Telegram asked, then the same call is retried. Plain-text
// answers still waiting in one chat's queue are merged into one message, so a user who sends 50 messages in a second
// gets every answer without 50 sends.
// https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this

import type { Logger } from 'pino';
import type { BotApi, InlineButton, OutgoingMessage } from '../../actors/session/protocol.ts';
import { isFloodWait } from '../../actors/errors.ts';
import type { BotClock } from './clock.ts';

export const MAX_MESSAGE_CHARS = 4096;

export interface OutboxOptions {
  telegram: BotApi;
  clock: BotClock;
  logger: Logger;
  /** Messages one chat may receive at once before pacing starts (default 3). */
  chatBurst?: number;
  /** Pace per chat after the burst (default 1000 ms). */
  chatIntervalMs?: number;
  /** Calls per second overall (default 30). */
  globalPerSecond?: number;
  /** FLOOD_WAITs one call may meet before it fails (default 8). */
  maxFloodRetries?: number;
}

interface Job {
  run: () => Promise<unknown>;
  resolve: (value: any) => void;
  reject: (err: unknown) => void;
  /** Set while a plain-text send can still take more text. */
  mergeable?: OutgoingMessage;
}

interface Lane {
  jobs: Job[];
  running: boolean;
  /** Send times still inside the burst window. */
  recent: number[];
}

export class Outbox {
  readonly #o: Required<Omit<OutboxOptions, 'logger' | 'telegram' | 'clock'>> & OutboxOptions;
  readonly #lanes = new Map<string, Lane>();
  readonly #globalRecent: number[] = [];
  #globalGate: Promise<void> = Promise.resolve();
  #pausedUntil = 0;
  #idleWaiters: (() => void)[] = [];

  constructor(options: OutboxOptions) {
    this.#o = { chatBurst: 3, chatIntervalMs: 1000, globalPerSecond: 30, maxFloodRetries: 8, ...options };
  }

  /**
   * Sends a message. With `merge`, a plain-text message (no buttons) may be appended to the chat's previous
   * plain-text message if that one has not gone out yet; both then resolve with the same message id.
   */
  send(msg: OutgoingMessage, options: { merge?: boolean } = {}): Promise<{ messageId: number }> {
    const lane = this.#lane(msg.chatId);
    const canMerge = options.merge === true && !msg.buttons?.length;
    if (canMerge) {
      const last = lane.jobs.at(-1);
      const pending = last?.mergeable;
      if (pending && pending.html === msg.html && pending.text.length + 2 + msg.text.length <= MAX_MESSAGE_CHARS) {
        pending.text += `\n\n${msg.text}`;
        return new Promise((resolve, reject) => {
          const prev = { resolve: last!.resolve, reject: last!.reject };
          last!.resolve = (v) => { prev.resolve(v); resolve(v); };
          last!.reject = (e) => { prev.reject(e); reject(e); };
        });
      }
    }
    const message: OutgoingMessage = { ...msg };
    return this.#enqueue(lane, () => this.#sendNow(message), canMerge ? message : undefined) as Promise<{ messageId: number }>;
  }

  /** Edits a message; "not modified" counts as done. */
  edit(chatId: string, messageId: number, text: string, buttons?: InlineButton[][] | null): Promise<void> {
    return this.#enqueue(this.#lane(chatId), async () => {
      try {
        await this.#o.telegram.editMessage(chatId, messageId, text, buttons);
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'MESSAGE_NOT_MODIFIED') throw err;
      }
    }) as Promise<void>;
  }

  /** Any other call that puts a message into `chatId` (a copy, a broadcast), paced and retried the same way. */
  call<T>(chatId: string, fn: () => Promise<T>): Promise<T> {
    return this.#enqueue(this.#lane(chatId), fn) as Promise<T>;
  }

  /** Resolves once no call is queued or running. */
  idle(): Promise<void> {
    if (this.#busy() === false) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #busy(): boolean {
    for (const lane of this.#lanes.values()) if (lane.running || lane.jobs.length > 0) return true;
    return false;
  }

  async #sendNow(msg: OutgoingMessage): Promise<{ messageId: number }> {
    try {
      return await this.#o.telegram.sendMessage(msg);
    } catch (err) {
      // Telegram refuses URL buttons it cannot open (a localhost BASE_URL); the links are in the text as well.
      if ((err as { code?: unknown }).code === 'BUTTON_URL_INVALID' && msg.buttons?.length) {
        const buttons = msg.buttons.map((row) => row.filter((b) => !('url' in b))).filter((row) => row.length > 0);
        return this.#o.telegram.sendMessage({ ...msg, buttons: buttons.length ? buttons : undefined });
      }
      throw err;
    }
  }

  #lane(chatId: string): Lane {
    let lane = this.#lanes.get(chatId);
    if (!lane) {
      if (this.#lanes.size >= 1000) this.#forgetQuietLanes();
      lane = { jobs: [], running: false, recent: [] };
      this.#lanes.set(chatId, lane);
    }
    return lane;
  }

  // A lane idle for longer than its pacing window holds nothing worth keeping.
  #forgetQuietLanes(): void {
    const cutoff = this.#o.clock.now() - this.#o.chatBurst * this.#o.chatIntervalMs;
    for (const [chatId, lane] of this.#lanes) {
      if (!lane.running && lane.jobs.length === 0 && (lane.recent.at(-1) ?? 0) <= cutoff) this.#lanes.delete(chatId);
    }
  }

  #enqueue(lane: Lane, run: () => Promise<unknown>, mergeable?: OutgoingMessage): Promise<unknown> {
    return new Promise((resolve, reject) => {
      lane.jobs.push({ run, resolve, reject, mergeable });
      if (!lane.running) void this.#drain(lane);
    });
  }

  async #drain(lane: Lane): Promise<void> {
    lane.running = true;
    while (lane.jobs.length > 0) {
      await this.#chatSlot(lane);
      const job = lane.jobs.shift()!;
      // From here on the text is final: nothing may be appended to a message being sent.
      job.mergeable = undefined;
      try {
        job.resolve(await this.#withFloodRetry(job.run));
      } catch (err) {
        job.reject(err);
      }
    }
    lane.running = false;
    if (!this.#busy()) for (const wake of this.#idleWaiters.splice(0)) wake();
  }

  async #withFloodRetry<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      await this.#globalSlot();
      try {
        return await run();
      } catch (err) {
        if (!isFloodWait(err) || attempt >= this.#o.maxFloodRetries) throw err;
        this.#o.logger.warn({ seconds: err.seconds }, 'Telegram asked the bot to wait (FLOOD_WAIT); retrying after the wait');
        this.#pausedUntil = Math.max(this.#pausedUntil, this.#o.clock.now() + err.seconds * 1000);
      }
    }
  }

  // At most `chatBurst` sends in any window of chatBurst × chatIntervalMs: a short burst, then one per interval.
  async #chatSlot(lane: Lane): Promise<void> {
    const { chatBurst, chatIntervalMs, clock } = this.#o;
    const window = chatBurst * chatIntervalMs;
    for (;;) {
      const now = clock.now();
      while (lane.recent.length > 0 && lane.recent[0]! <= now - window) lane.recent.shift();
      if (lane.recent.length < chatBurst) {
        lane.recent.push(now);
        return;
      }
      await clock.sleep(lane.recent[0]! + window - now);
    }
  }

  // Sliding one-second window shared by all chats, taken in arrival order.
  #globalSlot(): Promise<void> {
    const { globalPerSecond, clock } = this.#o;
    const gate = this.#globalGate.then(async () => {
      for (;;) {
        const now = clock.now();
        if (now < this.#pausedUntil) {
          await clock.sleep(this.#pausedUntil - now);
          continue;
        }
        while (this.#globalRecent.length > 0 && this.#globalRecent[0]! <= now - 1000) this.#globalRecent.shift();
        if (this.#globalRecent.length < globalPerSecond) {
          this.#globalRecent.push(now);
          return;
        }
        await clock.sleep(this.#globalRecent[0]! + 1000 - now);
      }
    });
    this.#globalGate = gate;
    return gate;
  }
}
