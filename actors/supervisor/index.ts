// The supervisor: owns one worker thread per Telegram session, keeps them alive, and spreads block jobs over them.
import { EventEmitter } from 'node:events';
import { SessionActor, errorSummary } from './session-actor.ts';
import { Scheduler } from './scheduler.ts';
import { resolveOptions } from './options.ts';
import { SbError } from '../errors.ts';
import { sessionStateChannel, sessionEventChannel } from './events.ts';
import type { SessionStateEvent, SessionWorkerEvent } from './events.ts';
import type { SupervisorOptions } from './options.ts';
import type { SessionSnapshot } from './session-actor.ts';
import type { JobHints, SchedulerStats } from './scheduler.ts';
import type { BlockRequest, BotApi, FileMeta } from '../session/protocol.ts';

export type { SupervisorOptions, Logger } from './options.ts';
export type { SessionSnapshot } from './session-actor.ts';
export type { JobHints, SchedulerStats } from './scheduler.ts';
export { Priority } from './fair-queue.ts';
export type { SessionStateEvent, SessionWorkerEvent } from './events.ts';

export interface SupervisorStats extends SchedulerStats {
  sessions: number;
  ready: number;
  /** RPCs awaiting an answer from any worker (jobs, pings, handshakes). */
  pendingCalls: number;
  /** Job timers (queue deadlines, call deadlines) plus restart and flood-wait timers. */
  timers: number;
}

export interface SupervisorHealth {
  /** False once no session has been able to serve for `noSessionMs`. */
  ok: boolean;
  /** Sessions ready (or flood-waiting) with every DC link up, now. */
  healthy: number;
  sessions: number;
  /** Epoch ms when a session was last seen healthy. */
  lastHealthyAt: number;
  /** Epoch ms of the last job any session completed. */
  lastProgressAt: number;
}

export interface SupervisorEvents {
  state: [SessionStateEvent];
  event: [SessionWorkerEvent];
}

export interface Supervisor {
  /** Resolves once at least one session is ready; rejects if every session has failed. */
  ready(): Promise<void>;
  /**
   * One block, as an ArrayBuffer transferred from the worker. Aborting drops the job (or its late result) and frees
   * its session slot at once. `hints` says which stream it belongs to and whether someone waits on it now.
   */
  fetchBlock(req: BlockRequest, signal?: AbortSignal, hints?: JobHints): Promise<ArrayBuffer>;
  resolveFile(chatId: string, messageId: number, signal?: AbortSignal): Promise<FileMeta>;
  /**
   * A bot call on one given session (the bot users talk to). Not moved elsewhere: another bot cannot answer for it.
   * Rejects with SB_ERR_SESSION_EXITED when that session is not running, and with the worker's error otherwise.
   */
  callBot<M extends keyof BotApi>(index: number, method: M, ...args: Parameters<BotApi[M]>): Promise<Awaited<ReturnType<BotApi[M]>>>;
  states(): SessionSnapshot[];
  /** Whether any session has been able to serve within the last `noSessionMs` (for /healthz). */
  health(noSessionMs: number): SupervisorHealth;
  stats(): SupervisorStats;
  on<E extends keyof SupervisorEvents>(event: E, listener: (...args: SupervisorEvents[E]) => void): Supervisor;
  off<E extends keyof SupervisorEvents>(event: E, listener: (...args: SupervisorEvents[E]) => void): Supervisor;
  /**
   * Terminates one session's worker thread as if it had crashed; it is restarted under the usual rules.
   * Resolves false when that session has no running worker.
   */
  terminateSession(index: number): Promise<boolean>;
  /** Rejects queued jobs, asks every worker to stop, then terminates them. Idempotent. */
  stop(): Promise<void>;
}

export function createSupervisor<Spec>(options: SupervisorOptions<Spec>): Supervisor {
  const opts = resolveOptions(options);
  const { logger } = opts;
  const emitter = new EventEmitter();

  let stopping: Promise<void> | undefined;
  let lastHealthyAt = Date.now();
  let readyWaiters: { resolve(): void; reject(err: Error): void }[] = [];

  const settleReadyWaiters = () => {
    if (readyWaiters.length === 0) return;
    if (actors.some((a) => a.state === 'ready' || a.state === 'flood-wait')) {
      const waiters = readyWaiters;
      readyWaiters = [];
      for (const w of waiters) w.resolve();
    } else if (actors.every((a) => a.state === 'failed' || a.state === 'stopped')) {
      // Each failed session is retried later; but a caller waiting to start serving deserves the error now.
      const waiters = readyWaiters;
      readyWaiters = [];
      const err = stopping
        ? new SbError('SB_ERR_SUPERVISOR_STOPPED')
        : new SbError('SB_ERR_NO_SESSION', 'every session failed to start', { states: actors.map((a) => a.snapshot()) });
      for (const w of waiters) w.reject(err);
    }
  };

  const hooks = {
    onState(actor: SessionActor, previous: SessionStateEvent['previous'], error: Error | undefined) {
      if (previous === 'ready' || previous === 'flood-wait' || actors.some((a) => a.healthy())) lastHealthyAt = Date.now();
      const ev: SessionStateEvent = { index: actor.index, state: actor.state, previous, at: Date.now() };
      if (actor.state === 'flood-wait') ev.floodUntil = actor.floodUntil;
      if (error) ev.error = errorSummary(error);
      logger.info({ session: actor.index, state: ev.state, previous, floodUntil: ev.floodUntil, error: ev.error }, 'session state');
      if (sessionStateChannel.hasSubscribers) sessionStateChannel.publish(ev);
      // A listener that throws must not break a worker's lifecycle bookkeeping.
      try {
        emitter.emit('state', ev);
      } catch (err) {
        logger.error({ err }, 'state listener failed');
      }
      settleReadyWaiters();
      scheduler.dispatch();
    },
    onLinkUp(actor: SessionActor) {
      scheduler.forgive(actor);
    },
    onEvent(actor: SessionActor, event: unknown) {
      const ev: SessionWorkerEvent = { index: actor.index, event };
      if (sessionEventChannel.hasSubscribers) sessionEventChannel.publish(ev);
      try {
        emitter.emit('event', ev);
      } catch (err) {
        logger.error({ err }, 'event listener failed');
      }
    },
  };

  const actors: SessionActor[] = opts.sessions.map((spec, index) => new SessionActor(index, spec, opts, hooks));
  const scheduler = new Scheduler(actors, opts);
  for (const actor of actors) actor.spawn();

  const supervisor: Supervisor = {
    ready() {
      return new Promise<void>((resolve, reject) => {
        if (stopping) return reject(new SbError('SB_ERR_SUPERVISOR_STOPPED'));
        readyWaiters.push({ resolve, reject });
        settleReadyWaiters();
      });
    },

    fetchBlock(req, signal, hints) {
      const label = `block ${req.chatId}/${req.messageId}@${req.offset}+${req.limit}`;
      return scheduler.submit(label, async (actor) => {
        const buf = await actor.call('fetchBlock', [req], opts.callTimeoutMs, true);
        if (!(buf instanceof ArrayBuffer)) {
          throw new TypeError(`session ${actor.index} answered ${label} with ${Object.prototype.toString.call(buf)}, not an ArrayBuffer`);
        }
        return buf;
      }, signal, hints);
    },

    resolveFile(chatId, messageId, signal) {
      return scheduler.submit(`resolve ${chatId}/${messageId}`,
        (actor) => actor.call('resolveFile', [chatId, messageId], opts.callTimeoutMs, true), signal);
    },

    callBot(index, method, ...args) {
      const actor = actors[index];
      if (actor === undefined) return Promise.reject(new RangeError(`no session ${index}; sessions are 0..${actors.length - 1}`));
      if (stopping) return Promise.reject(new SbError('SB_ERR_SUPERVISOR_STOPPED'));
      return actor.call(method, args as never, opts.callTimeoutMs) as never;
    },

    states() {
      const now = Date.now();
      return actors.map((a) => a.snapshot(now));
    },

    health(noSessionMs) {
      const now = Date.now();
      let healthy = 0;
      for (const a of actors) if (a.healthy()) healthy++;
      if (healthy > 0) lastHealthyAt = now;
      return { ok: healthy > 0 || now - lastHealthyAt < noSessionMs, healthy, sessions: actors.length, lastHealthyAt, lastProgressAt: scheduler.lastProgressAt };
    },

    stats() {
      const s = scheduler.stats();
      let pendingCalls = 0;
      let timers = s.timers;
      let ready = 0;
      for (const a of actors) {
        pendingCalls += a.pendingCalls;
        timers += a.timers;
        if (a.state === 'ready') ready++;
      }
      return { ...s, sessions: actors.length, ready, pendingCalls, timers };
    },

    terminateSession(index) {
      const actor = actors[index];
      if (actor === undefined) return Promise.reject(new RangeError(`no session ${index}; sessions are 0..${actors.length - 1}`));
      return actor.terminate();
    },

    on(event, listener) {
      emitter.on(event, listener as (...args: unknown[]) => void);
      return supervisor;
    },

    off(event, listener) {
      emitter.off(event, listener as (...args: unknown[]) => void);
      return supervisor;
    },

    stop() {
      stopping ??= (async () => {
        scheduler.close(new SbError('SB_ERR_SUPERVISOR_STOPPED'));
        await Promise.all(actors.map((a) => a.stop()));
        settleReadyWaiters();
        logger.info({ sessions: actors.length }, 'supervisor stopped');
      })();
      return stopping;
    },
  };
  return supervisor;
}
