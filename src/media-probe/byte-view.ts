// Random access over the few pieces of a file the main thread read. Every read names absolute file offsets and
// throws OutOfData when those bytes were not read (or lie past the end of the file), so a parser walking damaged
// or truncated input stops at the first gap instead of reading garbage.
import type { ByteSegment } from './types.ts';

export class OutOfData extends Error {
  constructor(
    readonly offset: number,
    readonly length: number,
  ) {
    super(`bytes ${offset}+${length} were not read`);
    this.name = 'OutOfData';
  }
}

export class ByteView {
  readonly size: number;
  readonly #segments: ByteSegment[];

  constructor(size: number, segments: readonly ByteSegment[]) {
    this.size = size;
    this.#segments = [...segments].sort((a, b) => a.offset - b.offset);
  }

  has(offset: number, length: number): boolean {
    return this.#find(offset, length) !== null;
  }

  bytes(offset: number, length: number): Uint8Array {
    const found = this.#find(offset, length);
    if (!found) throw new OutOfData(offset, length);
    return found.bytes.subarray(offset - found.offset, offset - found.offset + length);
  }

  u8(offset: number): number {
    return this.bytes(offset, 1)[0]!;
  }

  u16be(offset: number): number {
    const b = this.bytes(offset, 2);
    return (b[0]! << 8) | b[1]!;
  }

  u32be(offset: number): number {
    const b = this.bytes(offset, 4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** Exact below 2^53; larger values only ever mean "too big" to the parsers. */
  u64be(offset: number): number {
    return this.u32be(offset) * 2 ** 32 + this.u32be(offset + 4);
  }

  u16le(offset: number): number {
    const b = this.bytes(offset, 2);
    return b[0]! | (b[1]! << 8);
  }

  u32le(offset: number): number {
    const b = this.bytes(offset, 4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  /** Four bytes as text (box types, fourcc codes). */
  fourcc(offset: number): string {
    return String.fromCharCode(...this.bytes(offset, 4));
  }

  #find(offset: number, length: number): ByteSegment | null {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) return null;
    for (const s of this.#segments) {
      if (offset >= s.offset && offset + length <= s.offset + s.bytes.length) return s;
    }
    return null;
  }
}

/** A codec name or brand from file bytes, kept only when it is short printable ASCII (it ends up in a page). */
export function printable(value: string, max = 32): string | undefined {
  const trimmed = value.replace(/[\0 ]+$/, '');
  return trimmed.length > 0 && trimmed.length <= max && /^[\x21-\x7e][\x20-\x7e]*$/.test(trimmed) ? trimmed : undefined;
}
