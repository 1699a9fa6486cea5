// What every case of the store contract is given: a clock, a way to open stores on one fresh database, and (when the
// backend can simulate one) an outage; plus the small helpers the cases share.

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { isStoreError, type Store, type StoreConfig, type StoreErrorCode } from '../../../src/store/index.ts';

export const START = Date.UTC(2025, 0, 15, 12, 0, 0);

export interface Clock {
  t: number;
  now: () => number;
}

export interface Ctx {
  clock: Clock;
  /** Another store instance on the same database (several StreamBot processes). */
  open(overrides?: Partial<StoreConfig>): Promise<Store>;
  /** Makes the database unreachable / reachable again; absent when the backend cannot simulate it. */
  outage?: { begin(): Promise<void>; end(): Promise<void> };
  /** Write commands received for a collection, when the backend can count them. */
  writesTo?(collection: string): number;
  /** The stored MongoDB document of a file (by public id), raw; absent on SQLite. */
  fileDocument?(id: string): Promise<Record<string, unknown> | null>;
}

export type Case = { name: string; needs?: 'outage'; run(ctx: Ctx): Promise<void> };

/** Registers one case as a test against the backend it is bound to. */
export type AddCase = (c: Case) => void;

export async function rejectsWith(promise: Promise<unknown> | (() => unknown), code: StoreErrorCode): Promise<void> {
  await assert.rejects(async () => (typeof promise === 'function' ? promise() : promise), (err: unknown) => {
    assert.ok(isStoreError(err, code), `expected ${code}, got ${String((err as Error)?.stack ?? err)}`);
    return true;
  });
}

export const file = (messageId: number, userId = 1, extra: Record<string, unknown> = {}) => ({
  messageId, userId, fileName: `f${messageId}.mp4`, fileSize: 1000 + messageId, fileType: 'video', mimeType: 'video/mp4', isVideo: true, ...extra,
});

export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
