// Each account's history of pts events in its private box, so a client that was away can ask what it missed with
// updates.getDifference (core.telegram.org/api/updates#fetching-the-difference) instead of being pushed a backlog.

export interface PtsEntry {
  /** The box's pts after this event (each event moves it by one: pts_count 1). */
  pts: number;
  kind: 'new' | 'edit';
  messageId: number;
  date: number;
}

export type DifferencePlan =
  | { kind: 'empty' }
  /** The client's pts is older than the kept history (or the gap exceeds its pts_total_limit): it must refetch. */
  | { kind: 'too-long' }
  /** Entries after the client's pts; `final` false when more remain (a differenceSlice). */
  | { kind: 'entries'; entries: PtsEntry[]; final: boolean };

export class UpdatesLog {
  readonly #logs = new Map<bigint, PtsEntry[]>();

  constructor(readonly keep = 10_000) {}

  record(accountId: bigint, entry: PtsEntry): void {
    let log = this.#logs.get(accountId);
    if (!log) this.#logs.set(accountId, (log = []));
    log.push(entry);
    // Trimmed in batches so a long-running box does not shift on every message.
    if (log.length > this.keep + 1000) log.splice(0, log.length - this.keep);
  }

  /** What an account whose client stopped at `pts` missed, given the box's current pts. */
  plan(accountId: bigint, pts: number, currentPts: number, opts: { sliceLimit: number; totalLimit?: number }): DifferencePlan {
    if (pts >= currentPts) return { kind: 'empty' };
    if (opts.totalLimit !== undefined && opts.totalLimit > 0 && pts + opts.totalLimit < currentPts) return { kind: 'too-long' };
    const log = this.#logs.get(accountId) ?? [];
    const oldest = log[0]?.pts;
    if (oldest === undefined || oldest > pts + 1) return { kind: 'too-long' };
    const start = pts + 1 - oldest;
    const entries = log.slice(start, start + opts.sliceLimit);
    return { kind: 'entries', entries, final: start + entries.length >= log.length };
  }
}
