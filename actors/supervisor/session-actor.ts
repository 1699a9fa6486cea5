// One session: its worker thread, the comlink proxy to it, the calls pending on it, its heartbeat, flood wait and
// restarts. The scheduler only asks it `available()` and `call()`; everything about life and death stays here.
import { Worker, MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from '../session/comlink-node.ts';
import { RestartBudget } from './restart-budget.ts';
import { SbError, deserializeError } from '../errors.ts';
import type { BotApi, SessionApi, SessionState } from '../session/protocol.ts';
import type { ResolvedOptions } from './options.ts';
import type { SessionWorkerData } from '../session/worker-side.ts';
import { errorSummary, type SessionSnapshot } from './snapshot.ts';
import { isLogEvent, writeWorkerLog } from '../../src/log/from-worker.ts';

export { errorSummary, type SessionSnapshot } from './snapshot.ts';

const SHIM = new URL('../worker-shim.mjs', import.meta.url);
// V8 grows each isolate's young generation to 32 MiB at the first bursts (login, the TL schema, the first transfers)
// and keeps it: in a session worker that was most of what one more session cost. Blocks travel as Buffers, off the
// heap, so a small young generation costs downloads nothing measurable; it took one session's idle RSS from about
// 59 MiB to about 40. At 2 MiB rather than 8 the scavenges that free a block's dead buffers come about four times as
// often: under one full-speed stream that measured about 15 MiB less RSS at the same MB/s.
const SESSION_YOUNG_GENERATION_MB = 2;

/** Every worker serves SessionApi; the bot's own session also serves BotApi. */
type WorkerApi = SessionApi & BotApi;
type Method = keyof WorkerApi;

interface PendingCall {
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
}

export interface ActorHooks {
  onState(actor: SessionActor, previous: SessionState, error: Error | undefined): void;
  onEvent(actor: SessionActor, event: unknown): void;
  /** A DC link of this session came back up. */
  onLinkUp(actor: SessionActor): void;
}


export class SessionActor {
  readonly index: number;
  state: SessionState = 'starting';
  floodUntil = 0;
  /** Maintained by the scheduler: its calls running here. */
  inFlight = 0;
  /** Maintained by the scheduler: calls whose job gave up on them (aborted) and that still run in the worker. */
  abandoned = 0;
  /** Epoch ms of the last job this session completed; call deadlines are measured from it. */
  lastProgressAt = 0;
  completed = 0;

  readonly #spec: unknown;
  readonly #opts: ResolvedOptions<unknown>;
  readonly #hooks: ActorHooks;
  readonly #budget: RestartBudget;
  #generation = 0;
  #worker: Worker | undefined;
  #remote: Comlink.Remote<WorkerApi> | undefined;
  #events: MessagePort | undefined;
  #downHandled = true;
  #everReady = false;
  #exited: Promise<void> = Promise.resolve();
  #callSeq = 0;
  readonly #pending = new Map<number, PendingCall>();
  #heartbeat: NodeJS.Timeout | undefined;
  #pingOutstanding = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #floodTimer: NodeJS.Timeout | undefined;
  #lastError: Error | undefined;
  #identity: { botId: string; username: string } | undefined;
  /** Consecutive start attempts that ended in 'failed'; sets the long backoff, reset by a successful start. */
  #failures = 0;
  #retryAt = 0;
  readonly #linksDown = new Set<number>();

  constructor(index: number, spec: unknown, opts: ResolvedOptions<unknown>, hooks: ActorHooks) {
    this.index = index;
    this.#spec = spec;
    this.#opts = opts;
    this.#hooks = hooks;
    this.#budget = new RestartBudget(opts.restart);
  }

  /** Ready for work: alive, handshake done, not flood-waiting. */
  available(): boolean {
    return this.state === 'ready';
  }

  /** Able to serve soon: alive and logged in (perhaps flood-waiting) with every DC link up. For health checks. */
  healthy(): boolean {
    return (this.state === 'ready' || this.state === 'flood-wait') && this.#linksDown.size === 0;
  }

  /** The scheduler saw a job complete here. */
  progressed(at: number): void {
    this.lastProgressAt = at;
    this.completed++;
  }

  /**
   * A job failed here for a reason of this session's. A bot whose authorization is gone is taken out now, loudly,
   * and started again after a backoff (its worker then logs in with the token again).
   */
  jobFault(err: Error): void {
    if ((err as { authRevoked?: unknown }).authRevoked !== true) return;
    if (this.#downHandled || (this.state !== 'ready' && this.state !== 'flood-wait')) return;
    this.#opts.logger.error({ session: this.index, bot: this.#identity?.username, err: errorSummary(err) },
      'the bot lost its authorization (revoked token or sessions); taking the session out and logging in again');
    this.#kill(this.#generation, new SbError('SB_ERR_SESSION_UNAUTHORIZED', `session ${this.index}: ${err.message}`, { session: this.index, cause: err }));
  }

  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** Timers this session holds besides its heartbeat (restart backoff, flood wait, call timeouts). */
  get timers(): number {
    let n = (this.#restartTimer ? 1 : 0) + (this.#floodTimer ? 1 : 0);
    for (const p of this.#pending.values()) if (p.timer) n++;
    return n;
  }

  snapshot(now = Date.now()): SessionSnapshot {
    const s: SessionSnapshot = {
      index: this.index, state: this.state, inFlight: this.inFlight, abandoned: this.abandoned, linksDown: [...this.#linksDown].sort(),
      lastProgressAt: this.lastProgressAt, completed: this.completed, restarts: this.#budget.recent(now),
    };
    if (this.state === 'flood-wait') s.floodUntil = this.floodUntil;
    if (this.state === 'restarting' || this.state === 'failed') s.retryAt = this.#retryAt;
    if (this.#identity) { s.botId = this.#identity.botId; s.username = this.#identity.username; }
    if (this.#lastError) s.lastError = errorSummary(this.#lastError);
    return s;
  }

  spawn(): void {
    const generation = ++this.#generation;
    this.#downHandled = false;
    const { port1, port2 } = new MessageChannel();
    const workerData: SessionWorkerData = { entry: this.#opts.workerEntry, index: this.index, session: this.#spec, events: port2 };
    const worker = new Worker(SHIM, { workerData, transferList: [port2], name: `session-${this.index}`, resourceLimits: { maxYoungGenerationSizeMb: SESSION_YOUNG_GENERATION_MB } });
    this.#worker = worker;
    this.#events = port1;
    this.#remote = Comlink.wrap<WorkerApi>(nodeEndpoint(worker as Parameters<typeof nodeEndpoint>[0]));

    port1.on('message', (event: unknown) => {
      if (generation !== this.#generation) return;
      if (isLogEvent(event)) return writeWorkerLog(this.#opts.logger, this.index, event);
      this.#onLink(event);
      this.#hooks.onEvent(this, event);
    });
    // Events are optional traffic; they must not keep the process alive on their own.
    port1.unref();

    worker.on('error', (err) => {
      if (generation !== this.#generation) return;
      this.#lastError = err;
      this.#opts.logger.error({ session: this.index, err }, 'session worker threw');
    });
    this.#exited = new Promise((resolve) => {
      worker.once('exit', (exitCode) => {
        resolve();
        if (generation !== this.#generation) return;
        if (this.state === 'stopped') {
          // Exited on its own during stop(): nothing is restarted, but the graceful stop call must not hang.
          this.#rejectPending(new SbError('SB_ERR_SUPERVISOR_STOPPED', undefined, { session: this.index }));
          return;
        }
        const cause = this.#lastError;
        const err = new SbError(this.#everReady ? 'SB_ERR_SESSION_EXITED' : 'SB_ERR_SESSION_BOOTSTRAP',
          `session ${this.index} exited with code ${exitCode}`, { session: this.index, exitCode, cause });
        this.#down(generation, err);
      });
    });

    this.call('start', [], this.#opts.startTimeoutMs).then((identity) => {
      if (generation !== this.#generation || this.#downHandled || this.state === 'stopped') return;
      this.#identity = identity;
      this.#everReady = true;
      this.#failures = 0;
      this.#lastError = undefined;
      this.#startHeartbeat(generation);
      if (this.floodUntil > Date.now()) this.#enterFloodWait();
      else this.#setState('ready');
    }, (err: Error) => {
      if (generation !== this.#generation || this.#downHandled || this.state === 'stopped') return;
      this.#kill(generation, new SbError('SB_ERR_SESSION_BOOTSTRAP', `session ${this.index}: start() failed`, { session: this.index, cause: err }));
    });
  }

  /**
   * Calls one SessionApi method with a deadline. Rejects at once if the worker dies meanwhile. With
   * `progressDeadline`, the call only times out once this session has completed no job for `timeoutMs` (a slow
   * session whose other calls keep completing is slow, not stuck).
   */
  call<M extends Method>(method: M, args: Parameters<WorkerApi[M]>, timeoutMs: number, progressDeadline = false): Promise<Awaited<ReturnType<WorkerApi[M]>>> {
    const remote = this.#remote;
    if (remote === undefined || this.#downHandled) {
      return Promise.reject(new SbError('SB_ERR_SESSION_EXITED', `session ${this.index} is not running`, { session: this.index }));
    }
    const id = ++this.#callSeq;
    const startedAt = Date.now();
    return new Promise((resolve, reject) => {
      const expire = () => {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        const quietFor = Date.now() - Math.max(startedAt, progressDeadline ? this.lastProgressAt : 0);
        if (quietFor < timeoutMs) {
          p.timer = setTimeout(expire, timeoutMs - quietFor);
          return;
        }
        this.#pending.delete(id);
        reject(new SbError(method === 'ping' ? 'SB_ERR_SESSION_UNRESPONSIVE' : 'SB_ERR_SESSION_CALL_TIMEOUT',
          `session ${this.index}: ${method}() got no answer, and the session completed nothing, for ${quietFor} ms`, { session: this.index, method }));
      };
      this.#pending.set(id, { reject, timer: setTimeout(expire, timeoutMs) });
      const fn = remote[method] as unknown as (...a: unknown[]) => Promise<unknown>;
      fn(...args).then((value) => {
        const p = this.#pending.get(id);
        if (p === undefined) return; // timed out or rejected on exit; the late answer is dropped
        clearTimeout(p.timer);
        this.#pending.delete(id);
        resolve(value as Awaited<ReturnType<WorkerApi[M]>>);
      }, (raw: unknown) => {
        const p = this.#pending.get(id);
        if (p === undefined) return;
        clearTimeout(p.timer);
        this.#pending.delete(id);
        reject(deserializeError(raw));
      });
    });
  }

  /** Terminates the worker thread; its 'exit' then goes through the same path as a crash. */
  async terminate(): Promise<boolean> {
    const worker = this.#worker;
    if (worker === undefined || this.#downHandled) return false;
    await worker.terminate();
    return true;
  }

  /** Telegram asked this bot to wait: no work until `until` (epoch ms); a later deadline extends the wait. */
  floodWait(until: number): void {
    if (until <= this.floodUntil) return;
    this.floodUntil = until;
    if (this.state === 'ready' || this.state === 'flood-wait') this.#enterFloodWait();
  }

  async stop(): Promise<void> {
    const previous = this.state;
    if (previous === 'stopped') return this.#exited;
    this.state = 'stopped';
    this.#hooks.onState(this, previous, undefined);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    clearTimeout(this.#floodTimer);
    this.#floodTimer = undefined;
    this.#stopHeartbeat();
    const worker = this.#worker;
    // Only a worker past its handshake has a session to close; one still booting is simply terminated.
    if (!this.#downHandled && worker !== undefined && (previous === 'ready' || previous === 'flood-wait')) {
      this.#rejectPending(new SbError('SB_ERR_SUPERVISOR_STOPPED', undefined, { session: this.index }));
      // Give the worker a chance to log out cleanly; terminate() follows either way.
      await this.call('stop', [], this.#opts.stopTimeoutMs).catch(() => undefined);
    }
    this.#generation++;
    this.#downHandled = true;
    this.#rejectPending(new SbError('SB_ERR_SUPERVISOR_STOPPED', undefined, { session: this.index }));
    this.#events?.close();
    this.#events = undefined;
    this.#remote = undefined;
    this.#worker = undefined;
    if (worker !== undefined) {
      await worker.terminate();
      await this.#exited;
    }
  }

  #enterFloodWait(): void {
    clearTimeout(this.#floodTimer);
    this.#floodTimer = setTimeout(() => {
      this.#floodTimer = undefined;
      if (this.state === 'flood-wait') this.#setState('ready');
    }, Math.max(0, this.floodUntil - Date.now()));
    if (this.state !== 'flood-wait') this.#setState('flood-wait');
    else this.#hooks.onState(this, 'flood-wait', undefined); // deadline moved
  }

  #startHeartbeat(generation: number): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      if (this.#pingOutstanding || generation !== this.#generation) return;
      this.#pingOutstanding = true;
      this.call('ping', [], this.#opts.heartbeatTimeoutMs).then(() => {
        this.#pingOutstanding = false;
      }, (err: Error) => {
        this.#pingOutstanding = false;
        if (generation !== this.#generation || this.#downHandled) return;
        if ((err as SbError).code === 'SB_ERR_SESSION_UNRESPONSIVE') this.#kill(generation, err);
      });
    }, this.#opts.heartbeatMs);
    // A quiet supervisor must not keep the process alive through its heartbeat alone.
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.#pingOutstanding = false;
  }

  /** Declares the worker dead now (so no job lands on it), then terminates the thread. */
  #kill(generation: number, reason: Error): void {
    const worker = this.#worker;
    this.#opts.logger.warn({ session: this.index, err: reason }, 'terminating session worker');
    this.#down(generation, reason);
    void worker?.terminate();
  }

  #down(generation: number, reason: Error): void {
    if (generation !== this.#generation || this.#downHandled || this.state === 'stopped') return;
    this.#downHandled = true;
    this.#lastError = reason;
    this.#stopHeartbeat();
    this.#events?.close();
    this.#events = undefined;
    this.#remote = undefined;
    clearTimeout(this.#floodTimer);
    this.#floodTimer = undefined;

    this.#linksDown.clear();

    // State first, so the jobs rejected below are re-issued to other sessions and never back to this one.
    const previous = this.state;
    const now = Date.now();
    // A session that was ready restarts quickly, within its budget. One that could not start, or restarted too
    // often, is 'failed': it would likely fail again at once (piscina's rule against respawn loops), so it is
    // retried on a long, growing backoff instead, and never given up: Telegram and networks come back.
    const quick = this.#everReady && (reason as SbError).code !== 'SB_ERR_SESSION_BOOTSTRAP' ? this.#budget.next(now) : null;
    let delay: number;
    if (quick !== null) {
      this.state = 'restarting';
      delay = quick;
      this.#opts.logger.warn({ session: this.index, err: reason, delayMs: delay }, 'session down; restarting');
    } else {
      this.state = 'failed';
      delay = Math.min(this.#opts.restart.failedMaxMs, this.#opts.restart.failedBaseMs * 2 ** this.#failures++);
      this.#opts.logger.error({ session: this.index, err: reason, retryInMs: delay, failures: this.#failures },
        this.#everReady ? 'session restarted too often; retrying later' : 'session could not start; retrying later');
    }
    this.#retryAt = now + delay;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.state === 'failed') this.#setState('restarting');
      if (this.state === 'restarting') this.spawn();
    }, delay);
    this.#hooks.onState(this, previous, reason);
    this.#rejectPending(reason);
  }

  #rejectPending(reason: Error): void {
    const calls = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of calls) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
  }

  /** Tracks the worker's `{ type: 'link', state, dcId }` events: which DCs it cannot reach now. */
  #onLink(event: unknown): void {
    const e = event as { type?: unknown; state?: unknown; dcId?: unknown };
    if (e?.type !== 'link' || typeof e.dcId !== 'number') return;
    const had = this.#linksDown.size;
    if (e.state === 'down') this.#linksDown.add(e.dcId);
    else if (e.state === 'up') this.#linksDown.delete(e.dcId);
    if (had === this.#linksDown.size) return;
    this.#opts.logger.warn({ session: this.index, dcId: e.dcId, link: e.state }, 'session link changed');
    if (e.state === 'up') this.#hooks.onLinkUp(this);
  }

  #setState(next: SessionState): void {
    const previous = this.state;
    if (previous === next) return;
    this.state = next;
    this.#hooks.onState(this, previous, undefined);
  }
}
