// Waiting jobs, grouped by owner (one HTTP response's stream, usually). Latency first: a job someone is waiting on
// right now (a response's first block, a seek, the block a client needs next) goes ahead of every read-ahead job,
// oldest first. Then fairness: read-ahead is taken one job per owner in turn, so one stream's deep window cannot
// starve the others.

export interface QueuedJob {
  /** Submission order; a re-queued job keeps its place among its owner's jobs. */
  readonly seq: number;
  readonly owner: object;
  /** Whether a consumer waits on this job now; evaluated at every pick. Absent: always urgent. */
  readonly urgent: (() => boolean) | undefined;
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
   * Removes and returns the next job to start among those `placeable` says can start now (told whether each is
   * urgent): the oldest urgent one, else the first placeable job of the next owner in turn. Each owner offers only
   * its first placeable job.
   */
  take(placeable: (job: J, urgent: boolean) => boolean): J | undefined {
    let urgent: J | undefined;
    let inTurn: J | undefined;
    for (const jobs of this.#owners.values()) {
      for (const job of jobs) {
        const isUrgent = job.urgent?.() ?? true;
        if (!placeable(job, isUrgent)) continue;
        inTurn ??= job;
        if (isUrgent && (urgent === undefined || job.seq < urgent.seq)) urgent = job;
        break;
      }
    }
    const job = urgent ?? inTurn;
    if (job === undefined) return undefined;
    this.delete(job);
    // The owner just served goes to the back of the turn.
    const rest = this.#owners.get(job.owner);
    if (rest !== undefined) {
      this.#owners.delete(job.owner);
      this.#owners.set(job.owner, rest);
    }
    return job;
  }
}
