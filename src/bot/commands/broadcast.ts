// /broadcast, as a reply to a message: a copy of that message to every user (banned and unreachable ones skipped).
// Sends go through the outbox, so Telegram's limits hold (about 30 a second overall) and a FLOOD_WAIT is waited out
// and the same user retried; any other failure is counted and never retried, so nobody gets the message twice.
// Users who blocked the bot or whose account is gone are marked unreachable and skipped by later broadcasts.

import type { BotServices, MessageCtx } from '../context.ts';
import { errorSummary } from '../context.ts';
import { texts, type BroadcastCounts } from '../texts.ts';
import type { Command } from './command.ts';

/** Sends in flight at once: enough to keep the outbox's overall pace busy. */
const IN_FLIGHT = 30;
/** How often the progress message is edited. */
export const PROGRESS_EVERY_MS = 5000;

const BLOCKED = new Set(['USER_IS_BLOCKED']);
const DEACTIVATED = new Set(['INPUT_USER_DEACTIVATED', 'USER_DEACTIVATED']);

const running = new WeakSet<BotServices>();

export const broadcastCommand: Command = {
  name: 'broadcast',
  admin: true,
  async run(ctx) {
    const source = ctx.msg.replyTo?.messageId;
    if (source === undefined) return ctx.say(texts.broadcastUsage());
    if (running.has(ctx.s)) return ctx.say(texts.broadcastBusy());
    running.add(ctx.s);
    // The broadcast outlives this update: the admin's chat stays usable meanwhile.
    ctx.s.track(broadcast(ctx, source).finally(() => running.delete(ctx.s)));
  },
};

async function broadcast(ctx: MessageCtx, sourceMessageId: number): Promise<void> {
  const { s, chatId: adminChat } = ctx;
  const counts: BroadcastCounts = { done: 0, delivered: 0, blocked: 0, deactivated: 0, failed: 0 };
  s.logger.info({ admin: ctx.userId }, 'broadcast started');
  let status: { messageId: number } | null = null;
  try {
    status = await ctx.reply(texts.broadcastStarted());
  } catch (err) {
    s.logger.warn({ err: errorSummary(err) }, 'could not send the broadcast progress message');
  }

  let finished = false;
  const progress = (async () => {
    let shown = -1;
    while (!finished) {
      await s.clock.sleep(PROGRESS_EVERY_MS);
      if (finished || !status || counts.done === shown) continue;
      shown = counts.done;
      await s.outbox.edit(adminChat, status.messageId, texts.broadcastProgress(counts)).catch(() => {});
    }
  })();

  const inFlight = new Set<Promise<void>>();
  const sendOne = async (userId: number) => {
    try {
      await s.outbox.call(String(userId), () => s.telegram.copyMessage(adminChat, sourceMessageId, String(userId)));
      counts.delivered += 1;
    } catch (err) {
      const code = String((err as { code?: unknown }).code ?? '');
      if (BLOCKED.has(code)) {
        counts.blocked += 1;
        await s.store.setUnreachable(userId, 'blocked').catch(() => {});
      } else if (DEACTIVATED.has(code)) {
        counts.deactivated += 1;
        await s.store.setUnreachable(userId, 'deactivated').catch(() => {});
      } else {
        counts.failed += 1;
        s.logger.warn({ err: errorSummary(err), userId }, 'broadcast to a user failed');
      }
    } finally {
      counts.done += 1;
    }
  };

  let stopped = false;
  try {
    for await (const userId of s.store.userIds()) {
      if (s.stopping()) {
        stopped = true;
        break;
      }
      const p = sendOne(userId).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
  } catch (err) {
    s.logger.error({ err: errorSummary(err) }, 'broadcast stopped: the user list could not be read');
    stopped = true;
  }
  await Promise.all(inFlight);
  finished = true;
  s.logger.info({ ...counts, stopped }, 'broadcast finished');
  const summary = stopped ? texts.broadcastStopped(counts) : texts.broadcastDone(counts);
  if (status) await s.outbox.edit(adminChat, status.messageId, summary).catch(() => ctx.say(summary));
  else ctx.say(summary);
  void progress;
}
