// A BlockStream over a block fetcher: up to `window` blocks in flight ahead of the consumer, handed out in order
// and trimmed to the range, as Uint8Array views on the fetched ArrayBuffers (no copy). Nothing beyond the window
// is requested until the consumer pulls again, and close() aborts whatever is still out.
import { planBlocks, blockAt, type BlockPlan } from './block-plan.ts';
import { ByteBudget } from './byte-budget.ts';
import { StreamingError } from './errors.ts';
import type { BlockStream } from './types.ts';
import type { BlockRequest } from '../../actors/session/protocol.ts';

/** How soon a block is needed: 0 the first block of a stream, 1 the block its consumer needs next, 2 read-ahead. */
export type FetchPriority = 0 | 1 | 2;

/** How a fetch competes with other streams' fetches (see the supervisor's JobHints and fair-queue.ts). */
export interface FetchHints {
  /** One object per stream: the scheduler shares sessions fairly between owners. */
  owner: object;
  /** Read at every scheduling decision: a read-ahead block becomes 1 when the consumer catches up with it. */
  priority: () => FetchPriority;
}

export type BlockFetcher = (req: BlockRequest, signal: AbortSignal, hints: FetchHints) => Promise<ArrayBuffer>;

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
  /** Budget shared with other streams. Default: the process-wide budget (configureReadAhead). */
  budget?: ByteBudget;
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
const counters = { openStreams: 0, inFlightJobs: 0, bufferedBytes: 0, timers: 0 };

/** Sets the process-wide in-flight byte budget used by streams that bring none of their own. */
export function configureReadAhead(opts: { maxInFlightBytes: number }): void {
  defaultBudget.maxBytes = opts.maxInFlightBytes;
}

export function readAheadStats(): ReadAheadStats {
  return { ...counters, budget: defaultBudget.stats() };
}

interface Slot {
  readonly index: number;
  readonly controller: AbortController;
  status: 'pending' | 'done' | 'failed' | 'abandoned';
  buffer: ArrayBuffer | undefined;
  error: unknown;
}

interface Waiter {
  resolve(chunk: Uint8Array | null): void;
  reject(err: unknown): void;
}

class ReadAheadStream implements BlockStream {
  readonly #fetch: BlockFetcher;
  readonly #file: StreamFile;
  readonly #plan: BlockPlan;
  readonly #window: number;
  readonly #initialWindow: number;
  readonly #budget: ByteBudget;
  readonly #idleMs: number;
  /** Next block to hand out; slots always hold a contiguous run starting here. */
  #cursor = 0;
  #nextFetch = 0;
  readonly #slots = new Map<number, Slot>();
  #waiter: Waiter | undefined;
  #waitingForBudget = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #closed = false;
  #error: unknown;

  constructor(fetch: BlockFetcher, file: StreamFile, plan: BlockPlan, opts: Required<Pick<ReadAheadOptions, 'window' | 'initialWindow' | 'idleMs'>> & { budget: ByteBudget }) {
    this.#fetch = fetch;
    this.#file = file;
    this.#plan = plan;
    this.#window = opts.window;
    this.#initialWindow = Math.min(opts.initialWindow, opts.window);
    this.#budget = opts.budget;
    this.#idleMs = opts.idleMs;
    counters.openStreams++;
    this.#pump();
  }

  next(): Promise<Uint8Array | null> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#closed) return Promise.resolve(null);
    if (this.#waiter) return Promise.reject(new StreamingError('SB_ERR_STREAM_BUSY'));
    this.#clearIdle();
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
    if (this.#waitingForBudget) this.#budget.cancel(this.#onBudget);
    this.#waitingForBudget = false;
    counters.openStreams--;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve(null);
  }

  /** Gives back every slot: pending fetches are aborted, held buffers dropped, their budget returned. */
  #release(): void {
    this.#clearIdle();
    for (const slot of this.#slots.values()) {
      if (slot.status === 'pending') {
        slot.status = 'abandoned';
        slot.controller.abort();
      } else if (slot.status === 'done') {
        counters.bufferedBytes -= slot.buffer!.byteLength;
        slot.buffer = undefined;
      }
      this.#budget.release(this.#plan.blockSize);
    }
    this.#slots.clear();
    this.#nextFetch = this.#cursor;
  }

  readonly #onBudget = (): void => {
    this.#waitingForBudget = false;
    this.#pump();
  };

  #pump(): void {
    const window = Math.min(this.#window, this.#initialWindow + this.#cursor);
    while (!this.#closed && this.#nextFetch < this.#plan.count && this.#nextFetch - this.#cursor < window) {
      // The block the consumer needs next is always granted, so a stream can never wait on the others forever.
      if (!this.#budget.tryAcquire(this.#plan.blockSize, this.#slots.size === 0)) {
        if (!this.#waitingForBudget) {
          this.#waitingForBudget = true;
          this.#budget.wait(this.#onBudget);
        }
        return;
      }
      this.#start(this.#nextFetch++);
    }
  }

  #start(index: number): void {
    const block = blockAt(this.#plan, index);
    const slot: Slot = { index, controller: new AbortController(), status: 'pending', buffer: undefined, error: undefined };
    this.#slots.set(index, slot);
    counters.inFlightJobs++;
    const req: BlockRequest = { chatId: this.#file.chatId, messageId: this.#file.messageId, offset: block.offset, limit: block.limit };
    // A stream's first block (a new response, a seek) goes first, then the block a consumer needs next; deeper
    // read-ahead waits its turn until the consumer catches up with it.
    const hints: FetchHints = { owner: this, priority: () => (this.#cursor < index ? 2 : index === 0 ? 0 : 1) };
    let job: Promise<ArrayBuffer>;
    try {
      job = this.#fetch(req, slot.controller.signal, hints);
    } catch (err) {
      job = Promise.reject(err);
    }
    job.then((buffer) => {
      counters.inFlightJobs--;
      if (slot.status !== 'pending') return; // abandoned: the buffer is simply not kept
      if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== block.length) {
        const got = buffer instanceof ArrayBuffer ? `${buffer.byteLength} bytes` : Object.prototype.toString.call(buffer);
        this.#settled(slot, 'failed', undefined, new StreamingError('SB_ERR_BLOCK_LENGTH',
          `block at ${block.offset} of ${this.#file.chatId}/${this.#file.messageId}: expected ${block.length} bytes, got ${got}`,
          { offset: block.offset, expected: block.length }));
        return;
      }
      counters.bufferedBytes += buffer.byteLength;
      this.#settled(slot, 'done', buffer, undefined);
    }, (err: unknown) => {
      counters.inFlightJobs--;
      if (slot.status !== 'pending') return;
      this.#settled(slot, 'failed', undefined, err);
    });
  }

  #settled(slot: Slot, status: 'done' | 'failed', buffer: ArrayBuffer | undefined, error: unknown): void {
    slot.status = status;
    slot.buffer = buffer;
    slot.error = error;
    const waiter = this.#waiter;
    if (waiter === undefined || slot.index !== this.#cursor) return;
    this.#waiter = undefined;
    if (status === 'done') waiter.resolve(this.#take(slot));
    else waiter.reject(this.#fail(error));
  }

  #take(slot: Slot): Uint8Array {
    const block = blockAt(this.#plan, slot.index);
    const buffer = slot.buffer!;
    this.#slots.delete(slot.index);
    slot.buffer = undefined;
    counters.bufferedBytes -= buffer.byteLength;
    this.#budget.release(this.#plan.blockSize);
    this.#cursor++;
    // A view, not a copy: the consumer now owns the transferred buffer.
    const chunk = new Uint8Array(buffer, block.sliceStart, block.sliceEnd - block.sliceStart);
    if (this.#cursor >= this.#plan.count) {
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
  const plan = planBlocks(file.size, start, endInclusive, opts.blockSize);
  const window = positiveInt('window', opts.window, DEFAULT_WINDOW);
  return new ReadAheadStream(fetch, file, plan, {
    window,
    initialWindow: positiveInt('initialWindow', opts.initialWindow, window),
    idleMs: positiveInt('idleMs', opts.idleMs, 0, 0),
    budget: opts.budget ?? defaultBudget,
  });
}
