// The primary bot's update feed: live updates as they are pushed, and the ones missed while StreamBot was down or
// its link was lost, fetched with updates.getDifference from the saved state (core.telegram.org/api/updates).
// Updates are handed on in pts order, each once per run; the state is posted so the next run starts where this one
// stopped.
import { createRequire } from 'node:module';
import { chatIdOf, messageUpdate, toUpdate } from './incoming.ts';
import type { SessionCalls } from './calls.ts';
import type { Peers } from './peers.ts';
import type { BotUpdate, UpdatesState } from './protocol.ts';

const require = createRequire(import.meta.url);
const { Api } = require('telegram') as typeof import('telegram');

/** The state is posted at most this often; a crash in between replays at most these updates. */
const SAVE_EVERY_MS = 1000;
/** Messages one getDifference answer may carry before Telegram slices it. */
const PTS_TOTAL_LIMIT = 1000;

export interface UpdateFeedOptions {
  calls: SessionCalls;
  peers: Peers;
  state?: UpdatesState;
  emit: (update: BotUpdate) => void;
  saveState: (state: UpdatesState) => void;
  onError: (err: unknown, what: string) => void;
}

export class UpdateFeed {
  #state: UpdatesState | undefined;
  readonly #o: UpdateFeedOptions;
  /** Live updates wait here while a getDifference runs, then those it did not already cover go on. */
  #held: any[] | undefined;
  #chain: Promise<void> = Promise.resolve();
  #saveTimer: NodeJS.Timeout | undefined;
  #dirty = false;
  #closed = false;
  /** Highest pts handed on before the state was known (first run). */
  #seenPts = 0;

  constructor(o: UpdateFeedOptions) {
    this.#o = o;
    this.#state = o.state ? { ...o.state } : undefined;
  }

  /** After login: fetches what was missed since the saved state, or learns the current state on a first run. */
  start(): Promise<void> {
    if (this.#state) return this.catchUp();
    // A first run has nothing to catch up on: live updates go on at once while the state is learned.
    return this.#o.calls.home(new Api.updates.GetState()).then((s) => {
      this.#state = { pts: Math.max(s.pts, this.#seenPts), qts: s.qts, date: s.date, seq: s.seq };
      this.#markDirty();
    }, (err) => this.#o.onError(err, 'updates.getState'));
  }

  /** A raw gramjs update, in the order gramjs received it. */
  onRaw(u: any): void {
    if (this.#closed) return;
    if (this.#held) {
      this.#held.push(u);
      return;
    }
    const pts = ptsOf(u);
    if (pts && !this.#state) this.#seenPts = Math.max(this.#seenPts, pts.pts);
    if (pts && this.#state) {
      // Already handed on (a getDifference covered it), or a gap: something was lost on the way.
      if (pts.pts <= this.#state.pts) return;
      if (pts.pts - pts.count > this.#state.pts) {
        void this.catchUp();
        (this.#held as any[] | undefined)?.push(u);
        return;
      }
      this.#state.pts = pts.pts;
      this.#markDirty();
    }
    this.#hand(u, false);
  }

  /** Fetches updates missed since the state (a restart, a lost link, a gap) and hands them on. */
  catchUp(): Promise<void> {
    if (this.#held) return this.#chain;
    this.#held = [];
    const run = this.#chain.then(() => this.#difference()).catch((err) => this.#o.onError(err, 'updates.getDifference')).finally(() => {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const u of held) this.onRaw(u);
    });
    this.#chain = run;
    return run;
  }

  /**
   * The answer to one of our own sends moves the sequence too (Telegram does not push it back): taking it in keeps
   * the next pushed update from looking like a gap.
   */
  observeResult(result: any): void {
    if (!this.#state || this.#held) return;
    const items = result instanceof Api.UpdateShortSentMessage ? [result] : (result?.updates ?? []);
    for (const u of items) {
      const pts = u instanceof Api.UpdateShortSentMessage ? { pts: u.pts, count: u.ptsCount } : ptsOf(u);
      if (pts && pts.pts - pts.count === this.#state.pts) {
        this.#state.pts = pts.pts;
        this.#markDirty();
      }
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#saveTimer);
    if (this.#dirty && this.#state) this.#o.saveState({ ...this.#state });
  }

  async #difference(): Promise<void> {
    const { calls } = this.#o;
    if (!this.#state) return;
    for (let round = 0; round < 1000 && !this.#closed; round++) {
      const st = this.#state;
      const d: any = await calls.home(new Api.updates.GetDifference({ pts: st.pts, date: st.date, qts: st.qts, ptsTotalLimit: PTS_TOTAL_LIMIT }));
      if (d instanceof Api.updates.DifferenceEmpty) {
        this.#state = { ...st, date: d.date, seq: d.seq };
        break;
      }
      if (d instanceof Api.updates.DifferenceTooLong) {
        // Too much was missed for Telegram to replay; go on from now.
        this.#o.onError(new Error(`updates were missed beyond what Telegram replays (pts ${st.pts} → ${d.pts})`), 'updates.getDifference');
        this.#state = { ...st, pts: d.pts };
        break;
      }
      const entities = new Map<string, any>();
      for (const user of d.users ?? []) entities.set(user.id.toString(), user);
      for (const m of d.newMessages ?? []) if (m instanceof Api.Message) this.#handMessage(m, entities);
      for (const u of d.otherUpdates ?? []) {
        u._entities = entities;
        this.#hand(u, true);
      }
      const next = d instanceof Api.updates.DifferenceSlice ? d.intermediateState : d.state;
      this.#state = { pts: next.pts, qts: next.qts, date: next.date, seq: next.seq };
      this.#markDirty();
      if (!(d instanceof Api.updates.DifferenceSlice)) break;
    }
    this.#markDirty();
  }

  #handMessage(m: any, entities: Map<string, any>): void {
    const update = messageUpdate(m, entities);
    this.#enqueue({ ...update, missed: true });
  }

  #hand(u: any, missed: boolean): void {
    const update = toUpdate(u);
    if (!update) return;
    this.#enqueue(missed && update.kind === 'message' ? { ...update, missed } : update);
  }

  /** Commands given as a reply learn what they answer (an admin's /ban replying to a forwarded message). */
  #enqueue(update: BotUpdate): void {
    if (update.kind === 'message' && update.replyTo && update.text.startsWith('/')) {
      const ready = this.#describeReply(update).catch(() => update);
      this.#chain = this.#chain.then(async () => this.#o.emit(await ready));
      return;
    }
    this.#chain = this.#chain.then(() => this.#o.emit(update));
  }

  async #describeReply(update: Extract<BotUpdate, { kind: 'message' }>): Promise<BotUpdate> {
    const { calls } = this.#o;
    const res: any = await calls.home(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id: update.replyTo!.messageId })] }));
    const m = res.messages?.[0];
    if (!(m instanceof Api.Message)) return update;
    const fromId = (m.fromId as any)?.userId?.toString() ?? (!m.out ? chatIdOf(m.peerId) : undefined);
    const forwardFromId = (m.fwdFrom?.fromId as any)?.userId?.toString();
    return { ...update, replyTo: { messageId: m.id, ...(fromId ? { fromId } : {}), ...(forwardFromId ? { forwardFromId } : {}), text: m.message ?? '' } };
  }

  #markDirty(): void {
    this.#dirty = true;
    if (this.#saveTimer || this.#closed) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      if (!this.#dirty || !this.#state) return;
      this.#dirty = false;
      this.#o.saveState({ ...this.#state });
    }, SAVE_EVERY_MS);
    this.#saveTimer.unref();
  }
}

/** pts carried by an update of the common (non-channel) sequence. */
function ptsOf(u: any): { pts: number; count: number } | undefined {
  if (u instanceof Api.UpdateNewMessage || u instanceof Api.UpdateEditMessage || u instanceof Api.UpdateDeleteMessages || u instanceof Api.UpdateReadHistoryOutbox || u instanceof Api.UpdateReadHistoryInbox) {
    return { pts: u.pts, count: u.ptsCount };
  }
  if (u instanceof Api.UpdateShortMessage) return { pts: u.pts, count: u.ptsCount };
  return undefined;
}
