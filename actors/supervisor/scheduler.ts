// Places jobs (fetchBlock/resolveFile calls) on sessions: round-robin over ready sessions with a least-loaded
// tie-break and a per-session in-flight cap, a FIFO wait queue (with a deadline) while no session can take more,
// re-issue on another session when one dies or is told to FLOOD_WAIT, and a per-job attempt limit.
import { SbError, isFloodWait, isSbError } from '../errors.ts';
import { errorSummary } from './session-actor.ts';
import type { SessionActor } from './session-actor.ts';
import type { Logger } from './options.ts';

export interface SchedulerOptions {
  inFlightPerSession: number;
  queueTimeoutMs: number;
  maxAttempts: number;
  logger: Logger;
}

interface Job<T = unknown> {
  readonly label: string;
  readonly run: (actor: SessionActor) => Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  status: 'queued' | 'running' | 'settled';
  attempts: number;
  lastSession: number;
  lastError: Error | undefined;
  queueTimer: NodeJS.Timeout | undefined;
}

export interface SchedulerStats {
  /** Jobs waiting for a session. */
  queued: number;
  /** Calls running on a worker, including ones whose job was aborted and whose result will be dropped. */
  inFlight: number;
  /** Queue-deadline timers alive. */
  timers: number;
  completed: number;
  failed: number;
  retried: number;
  aborted: number;
  /** Results that arrived after their job was aborted or had already failed over, released unused. */
  dropped: number;
}

// Faults of the session rather than of the request: the same request may well succeed on another session.
const SESSION_FAULTS = new Set(['SB_ERR_SESSION_EXITED', 'SB_ERR_SESSION_UNRESPONSIVE', 'SB_ERR_SESSION_CALL_TIMEOUT', 'SB_ERR_SESSION_BOOTSTRAP']);

function isRetryable(err: unknown): boolean {
  if (isFloodWait(err)) return true;
  if (isSbError(err)) return SESSION_FAULTS.has(err.code);
  return err instanceof Error && (err as { retryable?: unknown }).retryable === true;
}

export class Scheduler {
  readonly #actors: readonly SessionActor[];
  readonly #opts: SchedulerOptions;
  // Re-issued jobs go first: they are usually the head of some stream's read-ahead window.
  readonly #retryQueue = new Set<Job>();
  readonly #queue = new Set<Job>();
  #cursor = 0;
  #inFlight = 0;
  #closedWith: Error | undefined;
  #counters = { completed: 0, failed: 0, retried: 0, aborted: 0, dropped: 0 };

  constructor(actors: readonly SessionActor[], opts: SchedulerOptions) {
    this.#actors = actors;
    this.#opts = opts;
  }

  submit<T>(label: string, run: (actor: SessionActor) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const job: Job<T> = {
        label, run, resolve, reject, signal, onAbort: undefined,
        status: 'queued', attempts: 0, lastSession: -1, lastError: undefined, queueTimer: undefined,
      };
      if (signal) {
        job.onAbort = () => this.#abort(job as Job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#enqueue(job as Job, this.#queue);
      this.dispatch();
    });
  }

  /** Places queued jobs while some session has room. Called whenever capacity may have appeared. */
  dispatch(): void {
    if (this.#closedWith) return;
    if (this.#retryQueue.size + this.#queue.size === 0) return;
    if (this.#actors.every((a) => a.state === 'failed' || a.state === 'stopped')) {
      this.#failAllQueued(new SbError('SB_ERR_NO_SESSION', undefined, { sessions: this.#actors.length }));
      return;
    }
    for (const queue of [this.#retryQueue, this.#queue]) {
      for (const job of queue) {
        const actor = this.#pick(job.lastSession);
        if (actor === undefined) return;
        queue.delete(job);
        this.#start(job, actor);
      }
    }
  }

  /** Rejects every queued job and every later submit with `reason`. Running jobs settle through their sessions. */
  close(reason: Error): void {
    this.#closedWith = reason;
    this.#failAllQueued(reason);
  }

  stats(): SchedulerStats {
    let timers = 0;
    for (const q of [this.#retryQueue, this.#queue]) for (const j of q) if (j.queueTimer) timers++;
    return { queued: this.#retryQueue.size + this.#queue.size, inFlight: this.#inFlight, timers, ...this.#counters };
  }

  #pick(avoid: number): SessionActor | undefined {
    const n = this.#actors.length;
    const cap = this.#opts.inFlightPerSession;
    let best: SessionActor | undefined;
    let bestLoad = Infinity;
    for (let k = 0; k < n; k++) {
      const actor = this.#actors[(this.#cursor + k) % n]!;
      if (!actor.available() || actor.inFlight >= cap) continue;
      // A job that just failed on a session tries the others first, but may go back if it is the only one.
      const load = actor.inFlight + (actor.index === avoid ? cap : 0);
      if (load < bestLoad) {
        best = actor;
        bestLoad = load;
      }
    }
    if (best !== undefined) this.#cursor = (best.index + 1) % n;
    return best;
  }

  #enqueue(job: Job, queue: Set<Job>): void {
    job.status = 'queued';
    queue.add(job);
    job.queueTimer = setTimeout(() => {
      job.queueTimer = undefined;
      if (job.status !== 'queued') return;
      this.#retryQueue.delete(job);
      this.#queue.delete(job);
      this.#settle(job, new SbError('SB_ERR_QUEUE_TIMEOUT', `${job.label} waited ${this.#opts.queueTimeoutMs} ms`, {
        states: this.#actors.map((a) => a.state), cause: job.lastError,
      }));
      this.#counters.failed++;
    }, this.#opts.queueTimeoutMs);
  }

  #start(job: Job, actor: SessionActor): void {
    clearTimeout(job.queueTimer);
    job.queueTimer = undefined;
    job.status = 'running';
    job.attempts++;
    job.lastSession = actor.index;
    actor.inFlight++;
    this.#inFlight++;
    job.run(actor).then((value) => {
      this.#release(actor);
      if (job.status !== 'running') {
        this.#counters.dropped++;
        return;
      }
      this.#counters.completed++;
      this.#settle(job, undefined, value);
    }, (err: unknown) => {
      this.#release(actor);
      if (job.status !== 'running') return;
      this.#failed(job, actor, err);
    }).finally(() => this.dispatch());
  }

  #release(actor: SessionActor): void {
    actor.inFlight--;
    this.#inFlight--;
  }

  #failed(job: Job, actor: SessionActor, err: unknown): void {
    if (isFloodWait(err)) {
      const until = Date.now() + err.seconds * 1000;
      this.#opts.logger.warn({ session: actor.index, seconds: err.seconds }, 'session flood-waiting');
      actor.floodWait(until);
    }
    job.lastError = err instanceof Error ? err : new Error(String(err));
    if (!isRetryable(err)) {
      this.#counters.failed++;
      this.#settle(job, err);
      return;
    }
    if (job.attempts >= this.#opts.maxAttempts) {
      this.#counters.failed++;
      this.#settle(job, new SbError('SB_ERR_BLOCK_RETRIES_EXHAUSTED', `${job.label} failed ${job.attempts} times`, {
        attempts: job.attempts, last: errorSummary(job.lastError), cause: err,
      }));
      return;
    }
    this.#counters.retried++;
    this.#opts.logger.debug({ session: actor.index, job: job.label, attempt: job.attempts, err: errorSummary(job.lastError) }, 're-issuing job');
    if (this.#closedWith) this.#settle(job, this.#closedWith);
    else this.#enqueue(job, this.#retryQueue);
  }

  #abort(job: Job): void {
    if (job.status === 'settled') return;
    if (job.status === 'queued') {
      this.#retryQueue.delete(job);
      this.#queue.delete(job);
    }
    // A running call cannot be recalled from the worker; its buffer is dropped when it arrives.
    this.#counters.aborted++;
    this.#settle(job, job.signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'));
  }

  #settle(job: Job, err: unknown, value?: unknown): void {
    job.status = 'settled';
    clearTimeout(job.queueTimer);
    job.queueTimer = undefined;
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.onAbort = undefined;
    if (err === undefined) job.resolve(value);
    else job.reject(err);
  }

  #failAllQueued(reason: Error): void {
    for (const q of [this.#retryQueue, this.#queue]) {
      for (const job of q) {
        this.#counters.failed++;
        this.#settle(job, reason);
      }
      q.clear();
    }
  }
}
