// The worker half of the supervisor's contract, for session entry modules (actors/session/worker.ts and the test
// fakes): read the workerData the supervisor sends, expose the SessionApi over the parent port, post events.
import { parentPort, workerData, isMainThread } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from './comlink-node.ts';
import type { SessionApi } from './protocol.ts';

/** What the supervisor passes to every session worker. `session` is the caller's opaque SessionSpec. */
export interface SessionWorkerData<Spec = unknown> {
  /** Absolute path or file: URL of the entry module the shim imports. */
  entry: string;
  /** Position of this session in the supervisor's `sessions` list; stable across restarts. */
  index: number;
  session: Spec;
  /** Port for unsolicited events (bot updates); the supervisor re-emits them tagged with `index`. */
  events: MessagePort;
}

export function sessionWorkerData<Spec = unknown>(): SessionWorkerData<Spec> {
  if (isMainThread || parentPort === null) throw new Error('sessionWorkerData() is only available inside a session worker');
  return workerData as SessionWorkerData<Spec>;
}

/** Serves `api` to the supervisor. Call once, after module-level setup; start() is the ready handshake. */
export function exposeSession(api: SessionApi): void {
  if (parentPort === null) throw new Error('exposeSession() must run inside a worker thread');
  Comlink.expose(api, nodeEndpoint(parentPort));
}

/** Hands `buf` to the caller without a copy; the worker must not touch it afterwards. */
export function transferBlock(buf: ArrayBuffer): ArrayBuffer {
  return Comlink.transfer(buf, [buf]);
}

/** Posts an event for the supervisor to re-emit as `{ index, event }`. The value must be structured-cloneable. */
export function postSessionEvent(event: unknown): void {
  sessionWorkerData().events.postMessage(event);
}
