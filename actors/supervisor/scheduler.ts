// Places jobs (fetchBlock/resolveFile calls) on sessions. Latency first and fair (fair-queue.ts); least-loaded
// session with a per-session slot cap; a failed job moves to another session at once and comes back to the one it
// failed on only after a jittered backoff. Retries are bounded in time, never by a count that a burst of errors can
// use up in milliseconds: a job fails when no session has completed anything for stallTimeoutMs, or when its own
// request has kept failing (500, TIMEOUT) for that long. What a session goes through (FLOOD_WAIT, a dead worker, a
// lost DC link, a revoked bot) never fails a job while another session can still progress.
import { SbError, isFloodWait, isSbError } from '../errors.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { FairQueue, Priority, priorityOf } from './fair-queue.ts';
import { errorSummary } from './session-actor.ts';
import type { SessionActor } from './session-actor.ts';
import type { Logger } from './options.ts';

export interface SchedulerOptions {
  inFlightPerSession: number;
  stallTimeoutMs: number;
  retry: BackoffOptions;
  logger: Logger;
}

/** How a job competes for sessions. */
export interface JobHints {
  /** Jobs of one owner (one response's stream) share the sessions fairly with other owners' jobs. */
  owner?: object;
  /** How soon the job is needed, read at every pick (see fair-queue.ts). Absent: Priority.FIRST. */
  priority?: () => Priority;
}

export { Priority } from './fair-queue.ts';

interface Job<T = unknown> {
  readonly seq: number;
  readonly owner: object;
  readonly priority: (() => Priority) | undefined;
  readonly label: string;
  readonly run: (actor: SessionActor) => Promise<T>;
  readonly resolve: (value: T) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  status: 'queued' | 'running' | 'settled';
  /** Failures of the request itself (retryable ones), for their backoff. */
  attempts: number;
  /** When the request itself first failed (0: never); it gives up stallTimeoutMs later without a success. */
  failingSince: number;
  /** Failures of the sessions it ran on, for their backoff. */
  sessionFaults: number;
  /** The session it runs on; undefined while queued or once its slot was given back early (abort). */
  actor: SessionActor | undefined;
  lastError: Error | undefined;
  /** When it was queued; with the last progress of any session this decides a stall. */
  queuedAt: number;
  /** Sessions this job stays away from until the given time (it failed there). */
  avoid: Map<number, number> | undefined;
}

export interface SchedulerStats {
  /** Jobs waiting for a session. */
  queued: number;
  /** Calls running on a worker, including ones whose job was aborted and whose result will be dropped. */
  inFlight: number;
  /** Scheduler timers alive (stall sweep, backoff wake-up). */
  timers: number;
  completed: number;
  failed: number;
  retried: number;
  aborted: number;
  /** Results that arrived after their job was aborted or had already failed over, released unused. */
  dropped: number;
}

// Faults of the session rather than of the request: the same request may well succeed on another session.
const SESSION_FAULTS = new Set(['SB_ERR_SESSION_EXITED', 'SB_ERR_SESSION_UNRESPONSIVE', 'SB_ERR_SESSION_CALL_TIMEOUT', 'SB_ERR_SESSION_BOOTSTRAP', 'SB_ERR_SESSION_UNAUTHORIZED']);
const SWEEP_MS = 1000;

type Failure = 'flood' | 'session' | 'request' | 'fatal';

function classify(err: unknown): Failure {
  if (isFloodWait(err)) return 'flood';
  if (isSbError(err)) return SESSION_FAULTS.has(err.code) ? 'session' : 'fatal';
  if (!(err instanceof Error)) return 'fatal';
  const e = err as { sessionFault?: unknown; authRevoked?: unknown; retryable?: unknown };
  if (e.sessionFault === true || e.authRevoked === true) return 'session';
  return e.retryable === true ? 'request' : 'fatal';
}

export class Scheduler {
  readonly #actors: readonly SessionActor[];
  readonly #opts: SchedulerOptions;
  readonly #queue = new FairQueue<Job>();
  #seq = 0;
  #cursor = 0;
  #inFlight = 0;
  #lastProgressAt = Date.now();
  #sweepTimer: NodeJS.Timeout | undefined;
  #wakeTimer: NodeJS.Timeout | undefined;
  #wakeAt = Infinity;
  #closedWith: Error | undefined;
  #counters = { completed: 0, failed: 0, retried: 0, aborted: 0, dropped: 0 };

  constructor(actors: readonly SessionActor[], opts: SchedulerOptions) {
    this.#actors = actors;
    this.#opts = opts;
  }

  /** Epoch ms of the last job any session completed. */
  get lastProgressAt(): number {
    return this.#lastProgressAt;
  }

  submit<T>(label: string, run: (actor: SessionActor) => Promise<T>, signal?: AbortSignal, hints: JobHints = {}): Promise<T> {
    if (this.#closedWith) return Promise.reject(this.#closedWith);
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const seq = ++this.#seq;
      const job: Job<T> = {
        seq, owner: hints.owner ?? { seq }, priority: hints.priority, label, run, resolve, reject, signal, onAbort: undefined,
        status: 'queued', attempts: 0, failingSince: 0, sessionFaults: 0, actor: undefined, lastError: undefined, queuedAt: Date.now(), avoid: undefined,
      };
      if (signal) {
        job.onAbort = () => this.#abort(job as Job);
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.#enqueue(job as Job);
      this.dispatch();
    });
  }

  /** Places queued jobs while some session has room. Called whenever capacity may have appeared. */
  dispatch(): void {
    if (this.#closedWith || this.#queue.size === 0) return;
    const now = Date.now();
    for (;;) {
      if (!this.#actors.some((a) => this.#hasRoom(a))) return;
      const job = this.#queue.take((j, priority) => this.#pick(j, now, priority) !== undefined);
      if (job === undefined) break;
      this.#start(job, this.#pick(job, now, priorityOf(job))!);
    }
    this.#armWake(now);
  }

  /** A session is worth trying again at once (its DC link is back): queued jobs stop avoiding it. */
  forgive(actor: SessionActor): void {
    for (const job of this.#queue) job.avoid?.delete(actor.index);
    this.dispatch();
  }

  /** Rejects every queued job and every later submit with `reason`. Running jobs settle through their sessions. */
  close(reason: Error): void {
    this.#closedWith = reason;
    for (const job of [...this.#queue]) {
      this.#counters.failed++;
      this.#settle(job, reason);
    }
    this.#queue.clear();
    this.#stopTimers();
  }

  stats(): SchedulerStats {
    const timers = (this.#sweepTimer ? 1 : 0) + (this.#wakeTimer ? 1 : 0);
    return { queued: this.#queue.size, inFlight: this.#inFlight, timers, ...this.#counters };
  }

  /**
   * Whether `actor` can take one more job. Read-ahead leaves each session's last slot to blocks someone waits on, so
   * a seek or a new response never waits for a slot behind other streams' read-ahead.
   */
  #hasRoom(actor: SessionActor, priority: Priority = Priority.FIRST): boolean {
    const cap = this.#opts.inFlightPerSession;
    const slots = priority !== Priority.AHEAD || cap === 1 ? cap : cap - 1;
    // Calls given up early (aborted) still occupy the worker; they may take a second set of slots, no more.
    return actor.available() && actor.inFlight < slots && actor.inFlight + actor.abandoned < 2 * cap;
  }

  /** The session for `job` now: least loaded among those with room that the job does not avoid; round-robin ties. */
  #pick(job: Job, now: number, priority: Priority): SessionActor | undefined {
    const n = this.#actors.length;
    let best: SessionActor | undefined;
    let bestLoad = Infinity;
    for (let k = 0; k < n; k++) {
      const actor = this.#actors[(this.#cursor + k) % n]!;
      if (!this.#hasRoom(actor, priority)) continue;
      const until = job.avoid?.get(actor.index);
      if (until !== undefined && until > now) continue;
      const load = actor.inFlight + actor.abandoned;
      if (load < bestLoad) {
        best = actor;
        bestLoad = load;
      }
    }
    return best;
  }

  #enqueue(job: Job): void {
    job.status = 'queued';
    job.actor = undefined;
    job.queuedAt = Date.now();
    this.#queue.add(job);
    if (this.#sweepTimer === undefined) {
      this.#sweepTimer = setInterval(() => this.#sweep(), SWEEP_MS);
    }
  }

  /** Fails queued jobs that have seen no session make progress for stallTimeoutMs. */
  #sweep(): void {
    const now = Date.now();
    const since = (job: Job) => Math.max(job.queuedAt, this.#lastProgressAt);
    for (const job of [...this.#queue]) {
      if (now - since(job) < this.#opts.stallTimeoutMs) continue;
      this.#queue.delete(job);
      this.#counters.failed++;
      this.#settle(job, new SbError('SB_ERR_STALLED', `${job.label}: no session made progress for ${now - since(job)} ms`, {
        states: this.#actors.map((a) => a.state), cause: job.lastError,
      }));
    }
    if (this.#queue.size === 0) this.#stopTimers();
  }

  #armWake(now: number): void {
    if (this.#queue.size === 0) return this.#stopTimers();
    // Only backoffs can keep a job waiting while a session has room: wake up when the earliest one ends.
    if (!this.#actors.some((a) => this.#hasRoom(a))) return;
    let at = Infinity;
    for (const job of this.#queue) {
      for (const until of job.avoid?.values() ?? []) if (until > now && until < at) at = until;
    }
    if (at === Infinity || (this.#wakeTimer !== undefined && this.#wakeAt <= at)) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    this.#wakeTimer = setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#wakeAt = Infinity;
      this.dispatch();
    }, at - now);
  }

  #stopTimers(): void {
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    clearTimeout(this.#wakeTimer);
    this.#wakeTimer = undefined;
    this.#wakeAt = Infinity;
  }

  #start(job: Job, actor: SessionActor): void {
    job.status = 'running';
    job.actor = actor;
    this.#cursor = (actor.index + 1) % this.#actors.length;
    actor.inFlight++;
    this.#inFlight++;
    job.run(actor).then((value) => {
      this.#release(job, actor);
      this.#lastProgressAt = Date.now();
      actor.progressed(this.#lastProgressAt);
      if (job.status !== 'running') {
        this.#counters.dropped++;
        return;
      }
      this.#counters.completed++;
      this.#settle(job, undefined, value);
    }, (err: unknown) => {
      this.#release(job, actor);
      if (job.status !== 'running') return;
      this.#failed(job, actor, err);
    }).finally(() => this.dispatch());
  }

  #release(job: Job, actor: SessionActor): void {
    if (job.actor === actor) {
      actor.inFlight--;
      job.actor = undefined;
    } else {
      actor.abandoned--;
    }
    this.#inFlight--;
  }

  #failed(job: Job, actor: SessionActor, err: unknown): void {
    job.lastError = err instanceof Error ? err : new Error(String(err));
    const kind = classify(err);
    if (kind === 'fatal') {
      this.#counters.failed++;
      this.#settle(job, err);
      return;
    }
    let delay = 0;
    if (kind === 'flood') {
      // The session rests until the wait is over and takes no job meanwhile; avoiding it beyond that would only let
      // read-ahead jobs take it before this one.
      const seconds = (err as { seconds: number }).seconds;
      this.#opts.logger.warn({ session: actor.index, seconds }, 'session flood-waiting');
      actor.floodWait(Date.now() + seconds * 1000);
    } else if (kind === 'session') {
      actor.jobFault(job.lastError);
      delay = backoffDelay(++job.sessionFaults, this.#opts.retry);
    } else {
      const now = Date.now();
      job.attempts++;
      job.failingSince ||= now;
      if (now - job.failingSince >= this.#opts.stallTimeoutMs) {
        this.#counters.failed++;
        this.#settle(job, new SbError('SB_ERR_BLOCK_RETRIES_EXHAUSTED', `${job.label} kept failing for ${now - job.failingSince} ms (${job.attempts} attempts)`, {
          attempts: job.attempts, last: errorSummary(job.lastError), cause: err,
        }));
        return;
      }
      delay = backoffDelay(job.attempts, this.#opts.retry);
    }
    // The block moves to the other sessions at once; the one it failed on gets it back only after the delay.
    if (delay > 0) (job.avoid ??= new Map()).set(actor.index, Date.now() + delay);
    this.#counters.retried++;
    this.#opts.logger.debug({ session: actor.index, job: job.label, kind, attempts: job.attempts, delayMs: delay, err: errorSummary(job.lastError) }, 're-queuing job');
    if (this.#closedWith) this.#settle(job, this.#closedWith);
    else this.#enqueue(job);
  }

  #abort(job: Job): void {
    if (job.status === 'settled') return;
    if (job.status === 'queued') this.#queue.delete(job);
    const actor = job.actor;
    if (actor !== undefined) {
      // A running call cannot be recalled from the worker, but its slot is given back now so the session takes
      // the next job (a seek's first block) at once; the late buffer is dropped when it arrives.
      actor.inFlight--;
      actor.abandoned++;
      job.actor = undefined;
    }
    this.#counters.aborted++;
    this.#settle(job, job.signal?.reason ?? new DOMException('This operation was aborted', 'AbortError'));
    if (this.#queue.size === 0) this.#stopTimers();
    if (actor !== undefined) this.dispatch();
  }

  #settle(job: Job, err: unknown, value?: unknown): void {
    job.status = 'settled';
    if (job.onAbort) job.signal?.removeEventListener('abort', job.onAbort);
    job.onAbort = undefined;
    if (this.#queue.size === 0 && this.#sweepTimer !== undefined) this.#stopTimers();
    if (err === undefined) job.resolve(value);
    else job.reject(err);
  }
}
