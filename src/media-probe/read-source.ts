// Reads byte ranges of one file through its FileSource, within a budget of reads and bytes, keeping what it read as
// segments for the parser.
import type { FileInfo, FileSource } from '../streaming/types.ts';
import type { ByteSegment } from './types.ts';

export interface ReadBudget {
  maxReads: number;
  maxBytes: number;
}

export class SourceReader {
  readonly segments: ByteSegment[] = [];
  #reads = 0;
  #bytes = 0;

  constructor(
    private readonly source: FileSource,
    private readonly info: FileInfo,
    private readonly budget: ReadBudget,
  ) {}

  /** Reads [offset, offset + length) clipped to the file and the budget; false when nothing could be read. */
  async read(offset: number, length: number): Promise<boolean> {
    const end = Math.min(this.info.size, offset + length, offset + this.budget.maxBytes - this.#bytes);
    if (offset < 0 || end <= offset || this.#reads >= this.budget.maxReads) return false;
    this.#reads++;
    const stream = this.source.open(this.info, offset, end - 1);
    const parts: Uint8Array[] = [];
    let got = 0;
    try {
      while (got < end - offset) {
        const chunk = await stream.next();
        if (!chunk) break;
        parts.push(chunk.subarray(0, end - offset - got));
        got += Math.min(chunk.length, end - offset - got);
      }
    } finally {
      stream.close();
    }
    this.#bytes += got;
    if (got > 0) this.segments.push({ offset, bytes: Buffer.concat(parts, got) });
    return got > 0;
  }
}
