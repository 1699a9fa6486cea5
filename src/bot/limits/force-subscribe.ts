// FORCE_SUB_CHANNEL: users must be members of a channel before the bot works for them. Members are remembered for
// a minute (a membership check is a Telegram call); non-members are asked again every time, so joining takes effect
// at once.

import type { Logger } from 'pino';
import type { BotApi, InlineButton } from '../../../actors/session/protocol.ts';
import type { BotClock } from '../clock.ts';
import { errorSummary } from '../context.ts';
import { texts } from '../texts.ts';

export const TRY_AGAIN_DATA = 'fs:retry';

export class ForceSubscribe {
  readonly channel: string;
  readonly #telegram: BotApi;
  readonly #clock: BotClock;
  readonly #logger: Logger;
  readonly #memberTtlMs: number;
  readonly #members = new Map<number, number>();
  #inviteLink: string | null = null;

  constructor(o: { channel: string; telegram: BotApi; clock: BotClock; logger: Logger; memberTtlMs?: number }) {
    this.channel = o.channel;
    this.#telegram = o.telegram;
    this.#clock = o.clock;
    this.#logger = o.logger;
    this.#memberTtlMs = o.memberTtlMs ?? 60_000;
  }

  /** Resolves the invite link now so the first prompt needs no extra call; a failure is retried at the next prompt. */
  async start(): Promise<void> {
    await this.#link();
  }

  async isMember(userId: number, options: { fresh?: boolean } = {}): Promise<boolean> {
    const now = this.#clock.now();
    const until = this.#members.get(userId);
    if (!options.fresh && until !== undefined && until > now) return true;
    let status: Awaited<ReturnType<BotApi['channelMembership']>>;
    try {
      status = await this.#telegram.channelMembership(this.channel, String(userId));
    } catch (err) {
      // A check that cannot be made (bot not admin of the channel, Telegram trouble) must not lock every user out.
      this.#logger.warn({ err: errorSummary(err), channel: this.channel }, 'force-subscribe check failed; letting the user through');
      return true;
    }
    if (status === 'none') {
      this.#members.delete(userId);
      return false;
    }
    if (this.#members.size > 50_000) this.#members.clear();
    this.#members.set(userId, now + this.#memberTtlMs);
    return true;
  }

  async prompt(): Promise<{ text: string; buttons: InlineButton[][] }> {
    const link = await this.#link();
    const rows: InlineButton[][] = [];
    if (link) rows.push([{ text: texts.joinButton(), url: link }]);
    rows.push([{ text: texts.tryAgainButton(), data: TRY_AGAIN_DATA }]);
    return { text: texts.joinRequired(), buttons: rows };
  }

  async #link(): Promise<string | null> {
    if (this.#inviteLink) return this.#inviteLink;
    try {
      this.#inviteLink = await this.#telegram.channelInviteLink(this.channel);
    } catch (err) {
      this.#logger.warn({ err: errorSummary(err), channel: this.channel }, 'could not get an invite link for FORCE_SUB_CHANNEL');
    }
    return this.#inviteLink;
  }
}
