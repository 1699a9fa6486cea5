// Albums reach the bot as separate messages with one groupedId, one right after another. They are collected until
// no part has come for a short while (or the album is full, or it has waited long enough) and answered together.

import type { BotClock } from './clock.ts';
import type { MessageUpdate } from './types.ts';

/** Telegram albums hold at most 10 items. */
const MAX_PARTS = 10;

interface Pending {
  parts: MessageUpdate[];
  startedAt: number;
  lastAt: number;
}

export class AlbumCollector {
  readonly #clock: BotClock;
  readonly #quietMs: number;
  readonly #maxWaitMs: number;
  readonly #pending = new Map<string, Pending>();

  constructor(clock: BotClock, options: { quietMs?: number; maxWaitMs?: number } = {}) {
    this.#clock = clock;
    this.#quietMs = options.quietMs ?? 600;
    this.#maxWaitMs = options.maxWaitMs ?? 3000;
  }

  /**
   * Adds one part. The first part of an album gets `parts`, resolving with every part in message order once the
   * album is complete; later parts get null (they are answered with the first).
   */
  add(part: MessageUpdate): { parts: Promise<MessageUpdate[]> } | null {
    const key = `${part.chatId}:${part.groupedId}`;
    const now = this.#clock.now();
    const open = this.#pending.get(key);
    if (open) {
      open.parts.push(part);
      open.lastAt = now;
      return null;
    }
    const pending: Pending = { parts: [part], startedAt: now, lastAt: now };
    this.#pending.set(key, pending);
    return { parts: this.#collect(key, pending) };
  }

  async #collect(key: string, pending: Pending): Promise<MessageUpdate[]> {
    for (;;) {
      const deadline = Math.min(pending.lastAt + this.#quietMs, pending.startedAt + this.#maxWaitMs);
      const now = this.#clock.now();
      if (pending.parts.length >= MAX_PARTS || now >= deadline) break;
      await this.#clock.sleep(deadline - now);
    }
    this.#pending.delete(key);
    return pending.parts.sort((a, b) => a.messageId - b.messageId);
  }
}
