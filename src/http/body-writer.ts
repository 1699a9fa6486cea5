// Writes one response body through uWS with backpressure. The caller hands over pieces and waits; nothing more is
// asked of the source until uWS has taken every byte, so each response holds at most the pieces of one write.
// Semantics follow uWS's VideoStreamer example: tryEnd(chunk, totalSize) takes what the socket accepts without
// buffering; the rest stays ours and is offered again from onWritable(offset), where offset is the absolute body
// offset uWS has reached.
//
// Idle means "no body bytes taken for idleTimeoutMs", measured on progress, never on writability: the kernel reports a
// socket writable only after a large part of its (autotuned, up to several MiB) send buffer drains, which for a slow
// but steady reader can take longer than any sane timeout. So while a write waits, a watch re-offers the unwritten
// bytes every few hundred milliseconds; whatever the kernel accepts is progress. Each failed offer also re-arms
// uWS's own fixed ~10 s socket timeout (tryEnd does that on every short write), so uWS never cuts off a response
// that is still within idleTimeoutMs, and idleTimeoutMs above 10 s works.
import type { HttpResponse } from './uws.ts';

/** Re-offer pending bytes at least this often: well under uWS's socket timeout, which fires 8 to 12 s after a re-arm. */
const MAX_PROBE_INTERVAL_MS = 2_000;
const MIN_PROBE_INTERVAL_MS = 20;

/** How often a waiting write re-offers its bytes for a given idle timeout. */
export function probeIntervalMs(idleTimeoutMs: number): number {
  return Math.max(MIN_PROBE_INTERVAL_MS, Math.min(MAX_PROBE_INTERVAL_MS, Math.floor(idleTimeoutMs / 4)));
}

export interface WriteCounters {
  pendingWrites: number;
  timers: number;
  bytesSent: number;
}

export interface BodyWriterOptions {
  totalSize: number;
  /** Close the response when a waiting write gets no byte taken for this long. */
  idleTimeoutMs: number;
  counters: WriteCounters;
  /** Writes status and headers; run inside the cork of the first write so they leave in the same packet. */
  writeHead: () => void;
  /** Called when the idle timeout fires on a live response (the writer has not touched `res`). */
  onIdle: () => void;
}

type State = 'open' | 'done' | 'aborted';

export class BodyWriter {
  readonly #res: HttpResponse;
  readonly #opts: BodyWriterOptions;
  #writeHead: (() => void) | null;
  #state: State = 'open';
  /** Pieces not yet taken by uWS; the first may be partly written, from body offset #queueBase. */
  #queue: Uint8Array[] = [];
  #queueBase = 0;
  /** Body bytes uWS has taken. */
  #offset = 0;
  #waiter: ((written: boolean) => void) | null = null;
  /** The progress watch of a waiting write (counted in counters.timers). */
  #timer: NodeJS.Timeout | null = null;
  #lastProgressAt = 0;
  #writableHooked = false;

  constructor(res: HttpResponse, opts: BodyWriterOptions) {
    this.#res = res;
    this.#opts = opts;
    this.#writeHead = opts.writeHead;
  }

  /** True once uWS has the whole body: the response is finished and `res` must not be used again. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /** True once headers (and possibly some body) have gone to uWS. */
  /** Body bytes uWS has accepted for this response so far. */
  get bytesWritten(): number {
    return this.#offset;
  }

  get headersSent(): boolean {
    return this.#writeHead === null;
  }

  /**
   * Resolves true when uWS has taken every byte of `pieces`, false when the response was aborted first.
   * Only one write may be outstanding.
   */
  write(...pieces: Uint8Array[]): Promise<boolean> {
    if (this.#state === 'aborted') return Promise.resolve(false);
    if (this.#state === 'done') {
      if (pieces.every((p) => p.length === 0)) return Promise.resolve(true);
      throw new Error('BodyWriter.write after the whole Content-Length was written');
    }
    if (this.#waiter !== null) throw new Error('BodyWriter.write called while a write is pending');
    this.#queue = pieces.filter((p) => p.length > 0);
    this.#queueBase = this.#offset;
    let drained = false;
    this.#res.cork(() => {
      drained = this.#drain();
    });
    if (drained) return Promise.resolve(true);
    this.#hookWritable();
    this.#opts.counters.pendingWrites++;
    this.#lastProgressAt = performance.now();
    this.#startWatch();
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** The response was aborted (client gone, timeout, or forced close): settle any wait, never touch `res` again. */
  abort(): void {
    if (this.#state === 'open') this.#state = 'aborted';
    this.#queue = [];
    this.#clearTimer();
    this.#settle(false);
  }

  /** Runs inside a cork. True when the queue is empty. */
  #drain(): boolean {
    if (this.#writeHead !== null) {
      const writeHead = this.#writeHead;
      this.#writeHead = null;
      writeHead();
    }
    while (this.#queue.length > 0) {
      const piece = this.#queue[0]!;
      const skip = this.#offset - this.#queueBase;
      const rest = skip === 0 ? piece : piece.subarray(skip);
      const [ok, done] = this.#res.tryEnd(rest, this.#opts.totalSize);
      if (done) {
        this.#accept(this.#offset + rest.length);
        this.#state = 'done';
        this.#queue = [];
        return true;
      }
      if (!ok) {
        this.#accept(this.#res.getWriteOffset());
        return false;
      }
      this.#accept(this.#offset + rest.length);
      this.#queue.shift();
      this.#queueBase = this.#offset;
    }
    return true;
  }

  #accept(offset: number): void {
    this.#opts.counters.bytesSent += offset - this.#offset;
    this.#offset = offset;
  }

  #hookWritable(): void {
    if (this.#writableHooked) return;
    this.#writableHooked = true;
    this.#res.onWritable((offset) => {
      // uWS may call this after our wait settled; writing nothing counts as success.
      if (this.#state !== 'open' || this.#waiter === null) return true;
      this.#accept(offset);
      return this.#offer();
    });
  }

  /** Offers the unwritten bytes again; settles the write when all are taken. True when drained. */
  #offer(): boolean {
    const before = this.#offset;
    let drained = false;
    this.#res.cork(() => {
      drained = this.#drain();
    });
    if (this.#offset > before) this.#lastProgressAt = performance.now();
    if (drained) {
      this.#clearTimer();
      this.#settle(true);
    }
    return drained;
  }

  #settle(written: boolean): void {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    this.#opts.counters.pendingWrites--;
    waiter(written);
  }

  #startWatch(): void {
    this.#clearTimer();
    this.#opts.counters.timers++;
    this.#timer = setInterval(() => this.#probe(), probeIntervalMs(this.#opts.idleTimeoutMs));
  }

  #probe(): void {
    if (this.#state !== 'open' || this.#waiter === null) return this.#clearTimer();
    if (this.#offer()) return;
    if (performance.now() - this.#lastProgressAt < this.#opts.idleTimeoutMs) return;
    this.#clearTimer();
    this.#opts.onIdle();
  }

  #clearTimer(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
    this.#opts.counters.timers--;
  }
}
