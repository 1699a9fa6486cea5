// Range header parsing per RFC 9110 §14.1-14.2, pure and independent of any server.
// https://www.rfc-editor.org/rfc/rfc9110#section-14.1

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export type RangeDecision =
  /** Serve the whole representation with 200 (no Range, or a Range the server ignores, with the reason). */
  | { kind: 'full'; reason: 'absent' | 'invalid' | 'unit' | 'too-many' | 'oversized' }
  /** 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' }
  /** 206: one range is a single part, several become multipart/byteranges. Sorted by first request order. */
  | { kind: 'partial'; ranges: ByteRange[] };

export interface RangeOptions {
  /** More range-specs than this and the header is ignored (200), a guard against many tiny parts. */
  maxRanges?: number;
}

export const DEFAULT_MAX_RANGES = 16;

const DIGITS = /^[0-9]+$/;

/**
 * Decides how to answer `Range: <header>` for a representation of `size` bytes.
 * A syntactically invalid header or an unknown unit is ignored (RFC 9110 §14.2); a valid one that cannot be
 * satisfied, or any valid one on an empty representation, is unsatisfiable.
 */
export function parseRange(header: string | undefined, size: number, options: RangeOptions = {}): RangeDecision {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a non-negative safe integer (got ${size})`);
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;
  if (header === undefined || header === '') return { kind: 'full', reason: 'absent' };

  const eq = header.indexOf('=');
  if (eq < 0) return { kind: 'full', reason: 'invalid' };
  const unit = header.slice(0, eq);
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(unit)) return { kind: 'full', reason: 'invalid' };
  // Range units are case-insensitive (RFC 9110 §14.1).
  if (unit.toLowerCase() !== 'bytes') return { kind: 'full', reason: 'unit' };

  const specs: Array<{ first?: number; last?: number; suffix?: number }> = [];
  // A list (1#range-spec) may contain empty elements and optional whitespace around commas (RFC 9110 §5.6.1).
  for (const raw of header.slice(eq + 1).split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const dash = item.indexOf('-');
    if (dash < 0) return { kind: 'full', reason: 'invalid' };
    const a = item.slice(0, dash);
    const b = item.slice(dash + 1);
    if (a === '') {
      if (!DIGITS.test(b)) return { kind: 'full', reason: 'invalid' };
      specs.push({ suffix: Number(b) });
    } else {
      if (!DIGITS.test(a) || (b !== '' && !DIGITS.test(b))) return { kind: 'full', reason: 'invalid' };
      const first = Number(a);
      const last = b === '' ? undefined : Number(b);
      // "A range-spec is invalid if the last-pos value is present and less than the first-pos" (§14.1.1).
      if (last !== undefined && last < first) return { kind: 'full', reason: 'invalid' };
      specs.push({ first, last });
    }
    if (specs.length > maxRanges) return { kind: 'full', reason: 'too-many' };
  }
  if (specs.length === 0) return { kind: 'full', reason: 'invalid' };
  if (size === 0) return { kind: 'unsatisfiable' };

  const satisfiable: Array<ByteRange & { index: number }> = [];
  let total = 0;
  specs.forEach((spec, index) => {
    let start: number;
    let end: number;
    if (spec.suffix !== undefined) {
      if (spec.suffix === 0) return;
      start = Math.max(0, size - spec.suffix);
      end = size - 1;
    } else {
      if (spec.first! >= size) return;
      start = spec.first!;
      end = spec.last === undefined ? size - 1 : Math.min(spec.last, size - 1);
    }
    total += end - start + 1;
    satisfiable.push({ start, end, index });
  });
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  // Overlapping requests that add up to more than the file are cheaper to answer with the file itself.
  if (total > size) return { kind: 'full', reason: 'oversized' };
  return { kind: 'partial', ranges: coalesce(satisfiable) };
}

/**
 * Merges overlapping and adjacent ranges (RFC 9110 §14.6 allows it regardless of order). A merged range keeps the
 * position of its earliest member so parts still follow the order the client asked for.
 */
function coalesce(ranges: Array<ByteRange & { index: number }>): ByteRange[] {
  const sorted = [...ranges].sort((x, y) => x.start - y.start);
  const merged: Array<ByteRange & { index: number }> = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r.start <= last.end + 1) {
      last.end = Math.max(last.end, r.end);
      last.index = Math.min(last.index, r.index);
    } else {
      merged.push({ ...r });
    }
  }
  return merged.sort((x, y) => x.index - y.index).map(({ start, end }) => ({ start, end }));
}

/** `bytes a-b/size` for a 206 part. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}

/** `bytes *\/size` for a 416. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
