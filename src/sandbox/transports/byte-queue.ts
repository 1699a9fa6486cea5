// Bytes read from a socket and not yet framed, kept as the chunks they came in: a packet split over many reads is
// joined once, a packet inside one read is a view of it (no copy).
export class ByteQueue {
  #chunks: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(data: Buffer): void {
    if (data.length === 0) return;
    this.#chunks.push(data);
    this.#length += data.length;
  }

  /** The first `n` bytes (n ≤ length) as one buffer, left in the queue. */
  peek(n: number): Buffer {
    if (n > this.#length) throw new RangeError(`peek(${n}) past the ${this.#length} queued bytes`);
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const joined = Buffer.concat(this.#chunks, this.#length);
    this.#chunks = [joined];
    return joined.subarray(0, n);
  }

  /** Removes and returns the first `n` bytes. */
  take(n: number): Buffer {
    const head = this.peek(n);
    this.skip(n);
    return head;
  }

  /** Removes the first `n` bytes. */
  skip(n: number): void {
    if (n > this.#length) throw new RangeError(`skip(${n}) past the ${this.#length} queued bytes`);
    this.#length -= n;
    while (n > 0) {
      const first = this.#chunks[0]!;
      if (first.length > n) {
        this.#chunks[0] = first.subarray(n);
        return;
      }
      n -= first.length;
      this.#chunks.shift();
    }
  }
}
