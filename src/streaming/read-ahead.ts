// A BlockStream over a block fetcher: up to `window` blocks in flight ahead of the consumer, handed out in order
// and trimmed to the range, as Uint8Array views on the fetched ArrayBuffers (no copy). Blocks come through a
// BlockCache, so streams of the same file share them. With `aheadSeconds` the window follows the consumer: about
// that many seconds of its measured pace, at least one block. Nothing beyond the window is requested until the
// consumer pulls again, and close() gives back whatever is still out.
import { planBlocks, nextBlock, isLastBlock, type BlockRange, type PlannedBlock } from './block-plan.ts';
import { ByteBudget } from './byte-budget.ts';
import { BlockCache, blockCacheFetches, type BlockFetcher, type BlockLease, type FetchHints } from './block-cache.ts';
import { StreamingError } from './errors.ts';
import { ConsumerPace } from './consumer-pace.ts';
import type { BlockStream } from './types.ts';
import type { BlockRequest } from '../../actors/session/protocol.ts';

export type { BlockFetcher, FetchHints, FetchPriority } from './block-cache.ts';

export interface StreamFile {
  chatId: string;
  messageId: number;
  size: number;
}

export interface ReadAheadOptions {
  /** Blocks kept in flight ahead of the consumer. Default 4. */
  window?: number;
  /**
   * Window of a new stream; it grows by one block per block the consumer takes, up to `window` (a slow start, as
   * TCP's). A request given up after its first block (a player probing, then seeking) leaves little in flight behind
   * it. Default: `window`.
   */
  initialWindow?: number;
  /** Force a block size (power of two, 4 KiB..1 MiB) instead of choosing one from the range length. */
  blockSize?: number;
  /** Start with a block of this size, ramping up to the block size (see planBlocks): a faster first byte. */
  headBlockSize?: number;
  /** Budget shared with other streams. Default: the process-wide budget (configureReadAhead). */
  budget?: ByteBudget;
  /**
   * Cache the blocks come through (and are shared with other streams by). Default: with `budget`, a cache of the
   * stream's own on it that keeps nothing; else the process-wide cache (configureReadAhead).
   */
  cache?: BlockCache;
  /**
   * Keep about this many seconds of the consumer's measured pace in flight (at least one block, at most the
   * window), so a slow reader does not hold a fast reader's window. 0 (the default) keeps the whole window.
   */
  aheadSeconds?: number;
  /** Clock in ms (tests). Default performance.now. */
  now?: () => number;
  /**
   * When the consumer has not pulled for this long, the read-ahead is given back (in-flight jobs aborted,
   * buffered blocks dropped, budget released) and refetched on the next pull. 0 disables. Default 0.
   */
  idleMs?: number;
}

export interface ReadAheadStats {
  openStreams: number;
  /** Fetches started and not yet settled (an aborted fetch counts until its promise settles). */
  inFlightJobs: number;
  /** Bytes fetched and held, waiting for the consumer. */
  bufferedBytes: number;
  /** Idle timers armed. */
  timers: number;
  budget: ReturnType<ByteBudget['stats']>;
}

const DEFAULT_WINDOW = 4;
const defaultBudget = new ByteBudget(64 * 1024 * 1024);
const defaultCache = new BlockCache({ budget: defaultBudget, maxBytes: 0 });
const counters = { openStreams: 0, bufferedBytes: 0, timers: 0 };
let cacheBytesWanted = 0;

/**
 * Sets the process-wide budget for block bytes (in flight, waiting for consumers and kept for the next viewer) and
 * how much of it blocks no stream holds may keep, used by streams that bring neither budget nor cache.
 */
export function configureReadAhead(opts: { maxInFlightBytes: number; cacheBytes?: number }): void {
  defaultBudget.maxBytes = opts.maxInFlightBytes;
  if (opts.cacheBytes !== undefined) cacheBytesWanted = opts.cacheBytes;
  // Kept blocks never take more than half the budget, so blocks someone waits for always find room; a budget
  // lowered under memory pressure shrinks the cache with it.
  defaultCache.maxBytes = Math.min(cacheBytesWanted, Math.floor(opts.maxInFlightBytes / 2));
}

export function readAheadStats(): ReadAheadStats {
  return { ...counters, inFlightJobs: blockCacheFetches(), budget: defaultBudget.stats() };
}

/** The process-wide block cache (for /metrics and the memory watcher). */
export function sharedBlockCache(): BlockCache {
  return defaultCache;
}

interface Slot {
  readonly index: number;
  readonly lease: BlockLease;
  status: 'pending' | 'done' | 'failed' | 'abandoned';
  view: Uint8Array | undefined;
  error: unknown;
}

interface Waiter {
  resolve(chunk: Uint8Array | null): void;
  reject(err: unknown): void;
}

class ReadAheadStream implements BlockStream {
  readonly #fetch: BlockFetcher;
  readonly #file: StreamFile;
  readonly #range: BlockRange;
  /** Planned blocks from the cursor on, by index; each is sized when first reached (#blockAt). */
  readonly #planned = new Map<number, PlannedBlock>();
  #lastPlanned: PlannedBlock | null = null;
  /** The lease of the block the consumer was last handed: held until it asks for the next, so the budget counts it. */
  #handedOut: BlockLease | undefined;
  readonly #window: number;
  readonly #initialWindow: number;
  readonly #cache: BlockCache;
  readonly #idleMs: number;
  /** The consumer's pace: block sizes and the window follow it (with aheadSeconds). */
  readonly #pace: ConsumerPace;
  /** Next block to hand out; slots always hold a contiguous run starting here. */
  #cursor = 0;
  #nextFetch = 0;
  readonly #slots = new Map<number, Slot>();
  #waiter: Waiter | undefined;
  #waitingForBudget = false;
  #pumping = false;
  #pumpAgain = false;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #closeFile: () => void;
  #closed = false;
  #error: unknown;

  /** `maxBlock`: the plan's block size, the largest a block may grow to. */
  constructor(fetch: BlockFetcher, file: StreamFile, range: BlockRange, maxBlock: number, opts: Required<Pick<ReadAheadOptions, 'window' | 'initialWindow' | 'idleMs' | 'aheadSeconds' | 'now'>> & { cache: BlockCache }) {
    this.#fetch = fetch;
    this.#file = file;
    this.#range = range;
    this.#window = opts.window;
    this.#initialWindow = Math.min(opts.initialWindow, opts.window);
    this.#cache = opts.cache;
    this.#idleMs = opts.idleMs;
    this.#pace = new ConsumerPace(opts.aheadSeconds, maxBlock, opts.now);
    this.#closeFile = opts.cache.openFile(file);
    counters.openStreams++;
    this.#pump();
  }

  next(): Promise<Uint8Array | null> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#closed) return Promise.resolve(null);
    if (this.#waiter) return Promise.reject(new StreamingError('SB_ERR_STREAM_BUSY'));
    this.#clearIdle();
    this.#releaseHandedOut();
    if (!this.#slots.has(this.#cursor)) this.#pump(); // after an idle release, or a budget wait
    const slot = this.#slots.get(this.#cursor);
    if (slot?.status === 'done') return Promise.resolve(this.#take(slot));
    if (slot?.status === 'failed') return Promise.reject(this.#fail(slot.error));
    return new Promise((resolve, reject) => { this.#waiter = { resolve, reject }; });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#release();
    this.#closeFile();
    if (this.#waitingForBudget) this.#cache.budget.cancel(this.#onBudget);
    this.#waitingForBudget = false;
    counters.openStreams--;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(null);
  }

  /**
   * Gives back every slot: fetches no other stream wants are aborted; fetched blocks stay in the cache for the next
   * viewer as far as it keeps them.
   */
  #release(): void {
    this.#clearIdle();
    this.#releaseHandedOut();
    for (const slot of this.#slots.values()) {
      if (slot.status === 'done') counters.bufferedBytes -= slot.view!.byteLength;
      slot.status = 'abandoned';
      slot.view = undefined;
      slot.lease.release();
    }
    this.#slots.clear();
    this.#nextFetch = this.#cursor;
  }

  #releaseHandedOut(): void {
    this.#handedOut?.release();
    this.#handedOut = undefined;
  }

  /** Block `index`, planned when first reached (sized by the pace known then); null past the range. */
  #blockAt(index: number): PlannedBlock | null {
    const planned = this.#planned.get(index);
    if (planned) return planned;
    const prev = this.#lastPlanned;
    if (prev !== null && prev.index !== index - 1) return null; // blocks are planned in order
    const block = nextBlock(this.#range, prev, this.#pace.blockSize());
    if (block === null) return null;
    this.#planned.set(index, block);
    this.#lastPlanned = block;
    return block;
  }

  readonly #onBudget = (): void => {
    this.#waitingForBudget = false;
    this.#pump();
  };

  /**
   * Blocks to keep in flight now: the slow start's; with aheadSeconds, no more than the first blocks until the
   * consumer's pace is known (two takes), then that pace's worth, at least one block.
   */
  #currentWindow(): number {
    const slowStart = Math.min(this.#window, this.#initialWindow + this.#cursor);
    if (!this.#pace.following) return slowStart;
    if (!this.#pace.known) return this.#initialWindow;
    const paced = this.#pace.windowBlocks();
    return paced === null ? slowStart : Math.min(slowStart, paced);
  }

  /**
   * Starts fetches up to the window. Not reentrant: leasing can evict kept blocks, whose budget going back wakes
   * budget waiters synchronously, this stream among them; a pump started meanwhile runs after this one instead of
   * inside it (a nested pump would lease the block this one is leasing).
   */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#pumpOnce();
      } while (this.#pumpAgain && !this.#closed);
    } finally {
      this.#pumping = false;
    }
  }

  #pumpOnce(): void {
    const window = this.#currentWindow();
    while (!this.#closed && this.#nextFetch - this.#cursor < window && this.#blockAt(this.#nextFetch) !== null) {
      // The block the consumer needs next is always granted once it has sent what it holds, so a stream can never
      // wait on the others forever, and holds at most one block beyond the budget.
      if (!this.#start(this.#nextFetch, this.#slots.size === 0 && this.#handedOut === undefined)) {
        if (!this.#waitingForBudget) {
          this.#waitingForBudget = true;
          this.#cache.budget.wait(this.#onBudget);
        }
        return;
      }
      this.#nextFetch++;
    }
  }

  /** Leases block `index` from the cache; false when that needs budget there is none of. */
  #start(index: number, force: boolean): boolean {
    const block = this.#planned.get(index)!;
    const req: BlockRequest = { chatId: this.#file.chatId, messageId: this.#file.messageId, offset: block.offset, limit: block.limit };
    // A stream's first block (a new response, a seek) goes first, then the block a consumer needs next; deeper
    // read-ahead waits its turn until the consumer catches up with it.
    const hints: FetchHints = { owner: this, priority: () => (this.#cursor < index ? 2 : index === 0 ? 0 : 1) };
    let lease: BlockLease | null;
    try {
      lease = this.#cache.lease(req, this.#fetch, hints, force);
    } catch (err) {
      lease = { ready: Promise.reject(err), release: () => {} };
      lease.ready.catch(() => {});
    }
    if (lease === null) return false;
    const slot: Slot = { index, lease, status: 'pending', view: undefined, error: undefined };
    this.#slots.set(index, slot);
    lease.ready.then((view) => {
      if (slot.status !== 'pending') return; // abandoned: release() already gave the block back
      if (view.byteLength !== block.length) {
        lease!.release(true);
        this.#settled(slot, 'failed', undefined, new StreamingError('SB_ERR_BLOCK_LENGTH',
          `block at ${block.offset} of ${this.#file.chatId}/${this.#file.messageId}: expected ${block.length} bytes, got ${view.byteLength} bytes`,
          { offset: block.offset, expected: block.length }));
        return;
      }
      counters.bufferedBytes += view.byteLength;
      this.#settled(slot, 'done', view, undefined);
    }, (err: unknown) => {
      if (slot.status !== 'pending') return;
      this.#settled(slot, 'failed', undefined, err);
    });
    return true;
  }

  #settled(slot: Slot, status: 'done' | 'failed', view: Uint8Array | undefined, error: unknown): void {
    slot.status = status;
    slot.view = view;
    slot.error = error;
    const waiter = this.#waiter;
    if (waiter === undefined || slot.index !== this.#cursor) return;
    this.#waiter = undefined;
    if (status === 'done') waiter.resolve(this.#take(slot));
    else waiter.reject(this.#fail(error));
  }

  #take(slot: Slot): Uint8Array {
    const block = this.#planned.get(slot.index)!;
    const view = slot.view!;
    this.#slots.delete(slot.index);
    this.#planned.delete(slot.index);
    slot.view = undefined;
    slot.status = 'abandoned';
    counters.bufferedBytes -= view.byteLength;
    // Held until the consumer asks for more (it has then sent this block); the block stays readable after that too:
    // cached blocks are never written, eviction only drops a reference.
    this.#handedOut = slot.lease;
    this.#cursor++;
    this.#pace.took(block.sliceEnd - block.sliceStart);
    // A view, not a copy, on the fetched buffer (shared with other viewers of the block).
    const chunk = new Uint8Array(view.buffer, view.byteOffset + block.sliceStart, block.sliceEnd - block.sliceStart);
    if (isLastBlock(this.#range, block)) {
      this.close();
    } else {
      this.#pump();
      this.#armIdle();
    }
    return chunk;
  }

  #fail(err: unknown): unknown {
    this.#error = err;
    this.close();
    return err;
  }

  #armIdle(): void {
    if (this.#idleMs <= 0 || this.#slots.size === 0) return;
    counters.timers++;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      counters.timers--;
      if (!this.#closed && this.#waiter === undefined) this.#release();
    }, this.#idleMs);
  }

  #clearIdle(): void {
    if (this.#idleTimer === undefined) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    counters.timers--;
  }
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw Object.assign(new RangeError(`opts.${name} must be an integer >= ${min}`), { code: 'SB_ERR_INVALID_OPTION' });
  }
  return value;
}

/**
 * Opens the bytes [start, endInclusive] of `file` as a BlockStream. Fetching starts at once (up to the window).
 * Throws SB_ERR_RANGE_INVALID for an empty or out-of-file range: a zero-length body is the caller's to send.
 */
export function openReadAhead(fetch: BlockFetcher, file: StreamFile, start: number, endInclusive: number, opts: ReadAheadOptions = {}): BlockStream {
  if (typeof fetch !== 'function') throw new TypeError('fetch must be a function (req, signal) => Promise<ArrayBuffer>');
  if (typeof file !== 'object' || file === null || typeof file.chatId !== 'string' || !Number.isSafeInteger(file.messageId)) {
    throw new TypeError('file must be { chatId: string, messageId: integer, size: integer }');
  }
  // Validates the range and block sizes, and gives the block size; the stream then plans block by block.
  const plan = planBlocks(file.size, start, endInclusive, opts.blockSize, opts.headBlockSize);
  const range: BlockRange = { size: file.size, start, endInclusive, firstBlockSize: Math.min(opts.headBlockSize ?? plan.blockSize, plan.blockSize) };
  const window = positiveInt('window', opts.window, DEFAULT_WINDOW);
  const aheadSeconds = opts.aheadSeconds ?? 0;
  if (!Number.isFinite(aheadSeconds) || aheadSeconds < 0) {
    throw Object.assign(new RangeError('opts.aheadSeconds must be a number >= 0'), { code: 'SB_ERR_INVALID_OPTION' });
  }
  return new ReadAheadStream(fetch, file, range, plan.blockSize, {
    window,
    initialWindow: positiveInt('initialWindow', opts.initialWindow, window),
    idleMs: positiveInt('idleMs', opts.idleMs, 0, 0),
    aheadSeconds,
    now: opts.now ?? (() => performance.now()),
    cache: opts.cache ?? (opts.budget ? new BlockCache({ budget: opts.budget, maxBytes: 0 }) : defaultCache),
  });
}
