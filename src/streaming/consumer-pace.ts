// How fast a stream's consumer takes bytes, and the block size and window that follow from it: about `aheadSeconds`
// of that pace in flight, in blocks of about half of it, so a slow viewer holds and fetches little more than it
// drains and a download at full speed gets full blocks.

/**
 * Smallest block a stream that knows its consumer's pace asks for: below it, getFile's per-request cost dominates
 * (a 128 kbit/s viewer takes one every four seconds at this size).
 */
export const PACE_MIN_BLOCK = 64 * 1024;
/** Takes the pace is measured over (and at most this old). */
const PACE_SAMPLES = 5;
const PACE_MAX_AGE_MS = 30_000;

export class ConsumerPace {
  readonly #aheadSeconds: number;
  readonly #maxBlock: number;
  readonly #now: () => number;
  /** (time, bytes taken so far) at the last takes (the first take only starts the clock). */
  readonly #samples: { t: number; bytes: number }[] = [];
  #taken = 0;

  /** aheadSeconds 0: the pace is not followed (full blocks, no pace). */
  constructor(aheadSeconds: number, maxBlock: number, now: () => number) {
    this.#aheadSeconds = aheadSeconds;
    this.#maxBlock = maxBlock;
    this.#now = now;
  }

  get following(): boolean {
    return this.#aheadSeconds > 0;
  }

  /** Whether two takes have told a pace yet. */
  get known(): boolean {
    return this.#samples.length >= 2;
  }

  /** The consumer took `bytes` now. */
  took(bytes: number): void {
    this.#taken += bytes;
    this.#samples.push({ t: this.#now(), bytes: this.#taken });
    while (this.#samples.length > PACE_SAMPLES || (this.#samples.length > 2 && this.#samples.at(-1)!.t - this.#samples[0]!.t > PACE_MAX_AGE_MS)) this.#samples.shift();
  }

  /** Bytes per second, once two takes tell it (null before, or when not following). */
  bytesPerSecond(): number | null {
    if (!this.following || !this.known) return null;
    const first = this.#samples[0]!;
    const last = this.#samples.at(-1)!;
    const ms = Math.max(this.#now(), last.t) - first.t;
    return ms > 0 ? ((last.bytes - first.bytes) * 1000) / ms : null;
  }

  /**
   * The next block's size: about half the pace window once the pace is known (so about two are out at a time), and
   * never more than the consumer has taken so far: socket buffers swallow a response's first few hundred KiB at
   * once, whatever the client's pace, so early takes say little; a fast client doubles its way to full blocks within
   * its first MiBs. Full blocks when not following.
   */
  blockSize(): number {
    if (!this.following) return this.#maxBlock;
    const pace = this.bytesPerSecond();
    const want = Math.min(this.#taken, pace === null ? Infinity : (pace * this.#aheadSeconds) / 2);
    let size = Math.min(PACE_MIN_BLOCK, this.#maxBlock);
    while (size * 2 <= want && size * 2 <= this.#maxBlock) size *= 2;
    return size;
  }

  /** Blocks that hold aheadSeconds of the pace (at least one); null while the pace is unknown. */
  windowBlocks(): number | null {
    const pace = this.bytesPerSecond();
    return pace === null ? null : Math.max(1, Math.ceil((pace * this.#aheadSeconds) / this.blockSize()));
  }
}
