// What every handler works with: the bot's services, and for one message its sender and the ways to answer.

import type { InlineButton } from '../../actors/session/protocol.ts';
import type { BandwidthQuota } from './bandwidth-quota.ts';
import type { BotClock } from './clock.ts';
import type { DailyLinks } from './limits/daily-links.ts';
import type { ForceSubscribe } from './limits/force-subscribe.ts';
import type { Outbox } from './outbox.ts';
import type { BotDeps, MessageUpdate } from './types.ts';

/** The dependencies the bot was given (with its clock in place of now/sleep), and the parts it builds on them. */
export interface BotServices extends Omit<BotDeps, 'now' | 'sleep'> {
  clock: BotClock;
  outbox: Outbox;
  forceSub: ForceSubscribe | null;
  dailyLinks: DailyLinks;
  quota: BandwidthQuota;
  /** Work that outlives the update that started it (a broadcast); idle() and stop() wait for it. */
  track(work: Promise<unknown>): void;
  /** True once stop() was called: long work should wind down. */
  stopping(): boolean;
}

export interface MessageCtx {
  s: BotServices;
  msg: MessageUpdate;
  userId: number;
  chatId: string;
  isAdmin: boolean;
  /** Sends and waits until it is out (for messages edited later or sent with buttons). */
  reply(text: string, buttons?: InlineButton[][]): Promise<{ messageId: number }>;
  /** Queues a plain answer without waiting; it may be merged with other queued answers to this chat. */
  say(text: string): void;
}

export function messageCtx(s: BotServices, msg: MessageUpdate, userId: number): MessageCtx {
  const chatId = msg.chatId;
  return {
    s,
    msg,
    userId,
    chatId,
    isAdmin: s.config.admins.includes(userId),
    reply: (text, buttons) => s.outbox.send({ chatId, text, html: true, buttons, replyTo: msg.messageId }),
    say: (text) => {
      s.outbox.send({ chatId, text, html: true }, { merge: true }).catch((err: unknown) => {
        s.logger.warn({ err: errorSummary(err), chatId }, 'could not deliver an answer');
      });
    },
  };
}

/** An error as logs may show it: code and message, never the request that carried a secret. */
export function errorSummary(err: unknown): { code?: unknown; message: string } {
  if (err instanceof Error) return { code: (err as { code?: unknown }).code, message: err.message };
  return { message: String(err) };
}
