// Waiting jobs, grouped by owner (one HTTP response's stream, usually). Latency first: a response's first block (a
// new download, a play, a seek) goes ahead of everything, then the blocks consumers are waiting on, oldest first, so
// a seek's first byte costs about one block fetch however many downloads run. Then fairness: read-ahead is taken one
// job per owner in turn, so one stream's deep window cannot starve the others.

/** How soon a job is needed; lower goes first. */
export const Priority = {
  /** The first block of a response: someone is waiting for the first byte (a seek, a new play or download). */
  FIRST: 0,
  /** The block a running response needs next: its consumer is waiting on it. */
  NEXT: 1,
  /** Read-ahead: nobody waits on it yet. */
  AHEAD: 2,
} as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

export interface QueuedJob {
  /** Submission order; a re-queued job keeps its place among its owner's jobs. */
  readonly seq: number;
  readonly owner: object;
  /** Evaluated at every pick (a read-ahead job becomes NEXT when its consumer catches up). Absent: FIRST. */
  readonly priority: (() => Priority) | undefined;
}

export class FairQueue<J extends QueuedJob> {
  /** Owners in round-robin order; each owner's jobs sorted by seq. */
  readonly #owners = new Map<object, J[]>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(job: J): void {
    let jobs = this.#owners.get(job.owner);
    if (jobs === undefined) this.#owners.set(job.owner, (jobs = []));
    let i = jobs.length;
    while (i > 0 && jobs[i - 1]!.seq > job.seq) i--;
    jobs.splice(i, 0, job);
    this.#size++;
  }

  delete(job: J): boolean {
    const jobs = this.#owners.get(job.owner);
    const i = jobs?.indexOf(job) ?? -1;
    if (i < 0) return false;
    jobs!.splice(i, 1);
    if (jobs!.length === 0) this.#owners.delete(job.owner);
    this.#size--;
    return true;
  }

  *[Symbol.iterator](): IterableIterator<J> {
    for (const jobs of this.#owners.values()) yield* jobs;
  }

  clear(): void {
    this.#owners.clear();
    this.#size = 0;
  }

  /**
   * Removes and returns the next job to start among those `placeable` says can start now (told each one's
   * priority): the most needed one, oldest first among equals, except that read-ahead goes to the next owner in turn.
   * Each owner offers only its first placeable job.
   */
  take(placeable: (job: J, priority: Priority) => boolean): J | undefined {
    let best: J | undefined;
    let bestPriority: Priority = Priority.AHEAD;
    for (const jobs of this.#owners.values()) {
      for (const job of jobs) {
        const priority = priorityOf(job);
        if (!placeable(job, priority)) continue;
        // Owners come in turn order, so the first read-ahead candidate is the owner whose turn it is.
        if (best === undefined || priority < bestPriority || (priority === bestPriority && priority !== Priority.AHEAD && job.seq < best.seq)) {
          best = job;
          bestPriority = priority;
        }
        break;
      }
    }
    if (best === undefined) return undefined;
    this.delete(best);
    // The owner just served goes to the back of the turn.
    const rest = this.#owners.get(best.owner);
    if (rest !== undefined) {
      this.#owners.delete(best.owner);
      this.#owners.set(best.owner, rest);
    }
    return best;
  }
}

export function priorityOf(job: QueuedJob): Priority {
  return job.priority?.() ?? Priority.FIRST;
}
