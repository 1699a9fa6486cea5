// An in-memory FileSource for the HTTP tests: configurable chunk size, delay and failures, and counters of every
// stream opened and closed so tests can assert that nothing leaks and close() runs exactly once per stream.
import type { BlockStream, FileInfo, FileSource } from '../../src/streaming/types.ts';

export interface MemoryFile {
  id: string;
  data: Uint8Array;
  mimeType?: string;
  fileName?: string;
  etag?: string;
}

export interface MemorySourceOptions {
  /** Bytes per next(); default 64 KiB. */
  chunkSize?: number;
  /** Delay before each next() resolves; default 0 (still asynchronous). */
  delayMs?: number;
  /** Delay before stat() resolves; default 0. */
  statDelayMs?: number;
  /** stat() rejects. */
  failStat?: boolean;
  /** next() rejects once the stream would deliver the byte at this file offset. */
  failAtOffset?: number;
  /** next() after this many bytes of a stream never settles until close(). */
  hangAfterBytes?: number;
  /** The stream ends (null) this many bytes early. */
  truncateBy?: number;
}

export interface SourceCounters {
  statCalls: number;
  opened: number;
  /** Streams whose close() was called at least once. */
  closed: number;
  /** Every close() call, so a double close shows as closeCalls > closed. */
  closeCalls: number;
  nextCalls: number;
  /** Timers the fake itself holds (delays), to prove close() releases them. */
  timers: number;
}

export class MemorySource implements FileSource {
  readonly files = new Map<string, MemoryFile>();
  readonly counters: SourceCounters = { statCalls: 0, opened: 0, closed: 0, closeCalls: 0, nextCalls: 0, timers: 0 };
  options: MemorySourceOptions;

  constructor(files: MemoryFile[] = [], options: MemorySourceOptions = {}) {
    for (const f of files) this.files.set(f.id, f);
    this.options = options;
  }

  add(file: MemoryFile): this {
    this.files.set(file.id, file);
    return this;
  }

  get openNow(): number {
    return this.counters.opened - this.counters.closed;
  }

  async stat(id: string): Promise<FileInfo | null> {
    this.counters.statCalls++;
    if (this.options.statDelayMs) await this.#sleep(this.options.statDelayMs);
    if (this.options.failStat) throw new Error('memory source: stat failed on purpose');
    const f = this.files.get(id);
    if (!f) return null;
    return {
      id: f.id,
      size: f.data.length,
      mimeType: f.mimeType ?? 'application/octet-stream',
      fileName: f.fileName ?? `${f.id}.bin`,
      etag: f.etag ?? `"${f.id}-${f.data.length}"`,
    };
  }

  open(info: FileInfo, start: number, endInclusive: number): BlockStream {
    const file = this.files.get(info.id);
    if (!file) throw new Error(`memory source: open of unknown id ${info.id}`);
    if (!(start >= 0 && endInclusive >= start && endInclusive < file.data.length)) {
      throw new Error(`memory source: bad range ${start}-${endInclusive} of ${file.data.length}`);
    }
    this.counters.opened++;
    const opts = this.options;
    const counters = this.counters;
    const chunkSize = opts.chunkSize ?? 64 * 1024;
    const end = endInclusive + 1 - (opts.truncateBy ?? 0);
    let pos = start;
    let isClosed = false;
    let pending: { timer: NodeJS.Timeout | null; resolve: (v: Uint8Array | null) => void } | null = null;

    const deliver = (): Uint8Array | null => {
      if (pos >= end) return null;
      const to = Math.min(end, pos + chunkSize);
      if (opts.failAtOffset !== undefined && opts.failAtOffset >= pos && opts.failAtOffset < to) {
        throw new Error('memory source: read failed on purpose');
      }
      const chunk = file.data.subarray(pos, to);
      pos = to;
      return chunk;
    };

    return {
      next: () => {
        counters.nextCalls++;
        if (isClosed) return Promise.resolve(null);
        if (pending) return Promise.reject(new Error('memory source: next() while a next() is pending'));
        return new Promise<Uint8Array | null>((resolve, reject) => {
          const hang = opts.hangAfterBytes !== undefined && pos - start >= opts.hangAfterBytes;
          const run = () => {
            if (pending?.timer) counters.timers--;
            pending = null;
            try {
              resolve(deliver());
            } catch (err) {
              reject(err);
            }
          };
          if (hang) {
            pending = { timer: null, resolve };
          } else if (opts.delayMs) {
            counters.timers++;
            pending = { timer: setTimeout(run, opts.delayMs), resolve };
          } else {
            pending = { timer: null, resolve };
            setImmediate(() => {
              if (pending?.resolve === resolve) run();
            });
          }
        });
      },
      close: () => {
        counters.closeCalls++;
        if (isClosed) return;
        isClosed = true;
        counters.closed++;
        if (pending) {
          if (pending.timer) {
            clearTimeout(pending.timer);
            counters.timers--;
          }
          const { resolve } = pending;
          pending = null;
          resolve(null);
        }
      },
    };
  }

  #sleep(ms: number): Promise<void> {
    this.counters.timers++;
    return new Promise((resolve) =>
      setTimeout(() => {
        this.counters.timers--;
        resolve();
      }, ms),
    );
  }
}

/** Deterministic pseudo-random bytes, so any range can be checked against the source. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, size);
}
