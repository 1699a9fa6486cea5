// Which upload.getFile blocks cover a byte range, and what to cut off the first and last of them.
// getFile accepts offset % 4096 == 0, limit % 4096 == 0 and 1048576 % limit == 0, and a request must not cross a
// 1 MiB boundary. With a power-of-two block size between 4 KiB and 1 MiB and block-aligned offsets, every one of
// those holds by construction. https://core.telegram.org/api/files#downloading-files
import { StreamingError } from './errors.ts';

export const MIN_BLOCK_SIZE = 4096;
export const MAX_BLOCK_SIZE = 1024 * 1024;
/** A range is cut into about this many blocks, so a read-ahead window can spread it over several sessions. */
const TARGET_BLOCKS_PER_RANGE = 4;

export interface BlockPlan {
  size: number;
  start: number;
  endInclusive: number;
  blockSize: number;
  /** Offset of the first block (start rounded down to the block size). */
  firstOffset: number;
  count: number;
  /** Bytes to drop from the front of the first block. */
  headTrim: number;
  /** Bytes to drop from the end of the last block as the file returns it (which is short at end of file). */
  tailTrim: number;
  /**
   * Smaller blocks before the first blockSize-aligned one (see planBlocks' headBlockSize): each aligned to its own
   * size, so every one keeps getFile's rules. Empty for a uniform plan.
   */
  head: readonly { offset: number; size: number }[];
  /** Offset of the first block of blockSize (after the head). */
  bodyOffset: number;
}

export interface PlannedBlock {
  index: number;
  offset: number;
  /** The limit to request: always the block size, even past end of file (Telegram then returns fewer bytes). */
  limit: number;
  /** Bytes the file actually has in this block: what the fetch must return. */
  length: number;
  /** The slice of the returned bytes that belongs to the range. */
  sliceStart: number;
  sliceEnd: number;
}

export function isValidBlockSize(n: number): boolean {
  return Number.isInteger(n) && n >= MIN_BLOCK_SIZE && n <= MAX_BLOCK_SIZE && (n & (n - 1)) === 0;
}

/** Small ranges get small blocks (less over-fetch at unaligned edges); large ones go up to 1 MiB. */
export function chooseBlockSize(rangeLength: number): number {
  if (!Number.isSafeInteger(rangeLength) || rangeLength <= 0) {
    throw new StreamingError('SB_ERR_RANGE_INVALID', `range length must be a positive integer, got ${rangeLength}`);
  }
  const want = Math.ceil(rangeLength / TARGET_BLOCKS_PER_RANGE);
  let size = MIN_BLOCK_SIZE;
  while (size < want && size < MAX_BLOCK_SIZE) size *= 2;
  return size;
}

/**
 * Plans [start, endInclusive] of a file of `size` bytes. An empty range is the caller's to handle.
 * With `headBlockSize` smaller than the block size, the plan starts with a ramp: one block of headBlockSize at the
 * start, then blocks doubling with their alignment (128 KiB, 128 KiB, 256 KiB, 512 KiB for a 1 MiB plan from 0) up to
 * the first aligned full block. A first byte then waits for a small block, not a whole 1 MiB one, which a crowd of
 * players starting at once, each on its own offset, feels most.
 */
export function planBlocks(size: number, start: number, endInclusive: number, blockSize?: number, headBlockSize?: number): BlockPlan {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new StreamingError('SB_ERR_RANGE_INVALID', `file size must be a positive integer, got ${size}`);
  }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(endInclusive) || start < 0 || endInclusive < start || endInclusive >= size) {
    throw new StreamingError('SB_ERR_RANGE_INVALID', `need 0 <= start <= end < size, got start=${start} end=${endInclusive} size=${size}`);
  }
  const bs = blockSize ?? chooseBlockSize(endInclusive - start + 1);
  if (!isValidBlockSize(bs)) throw new StreamingError('SB_ERR_BLOCK_SIZE_INVALID', `got ${bs}`);
  if (headBlockSize !== undefined && !isValidBlockSize(headBlockSize)) throw new StreamingError('SB_ERR_BLOCK_SIZE_INVALID', `head block size: got ${headBlockSize}`);
  const head: { offset: number; size: number }[] = [];
  let bodyOffset = Math.floor(start / bs) * bs;
  if (headBlockSize !== undefined && headBlockSize < bs) {
    let o = Math.floor(start / headBlockSize) * headBlockSize;
    let next = headBlockSize;
    do {
      head.push({ offset: o, size: next });
      o += next;
      // The next block is as large as o's alignment allows, up to the block size.
      next = headBlockSize;
      while (next * 2 < bs && o % (next * 2) === 0) next *= 2;
    } while (o % bs !== 0 && o <= endInclusive);
    bodyOffset = o;
  }
  const firstOffset = head.length ? head[0]!.offset : bodyOffset;
  const lastOffset = Math.floor(endInclusive / bs) * bs;
  const bodyCount = endInclusive >= bodyOffset ? (lastOffset - bodyOffset) / bs + 1 : 0;
  const lastBlockOffset = bodyCount ? lastOffset : head.at(-1)!.offset;
  const lastLimit = bodyCount ? bs : head.at(-1)!.size;
  const lastLength = Math.min(lastLimit, size - lastBlockOffset);
  return {
    size, start, endInclusive, blockSize: bs, firstOffset, count: head.length + bodyCount,
    headTrim: start - firstOffset,
    tailTrim: lastLength - (endInclusive - lastBlockOffset + 1),
    head, bodyOffset,
  };
}

export function blockAt(plan: BlockPlan, index: number): PlannedBlock {
  if (!Number.isInteger(index) || index < 0 || index >= plan.count) {
    throw new RangeError(`block index ${index} outside 0..${plan.count - 1}`);
  }
  const headBlock = plan.head[index];
  const offset = headBlock ? headBlock.offset : plan.bodyOffset + (index - plan.head.length) * plan.blockSize;
  const limit = headBlock ? headBlock.size : plan.blockSize;
  const length = Math.min(limit, plan.size - offset);
  const sliceStart = index === 0 ? plan.headTrim : 0;
  const sliceEnd = index === plan.count - 1 ? length - plan.tailTrim : length;
  return { index, offset, limit, length, sliceStart, sliceEnd };
}

export function listBlocks(plan: BlockPlan): PlannedBlock[] {
  return Array.from({ length: plan.count }, (_, i) => blockAt(plan, i));
}

/** A range to cut into blocks one at a time (nextBlock), each sized when it is reached. */
export interface BlockRange {
  size: number;
  start: number;
  endInclusive: number;
  /** The first block's size (valid block size): the range's first offset is start rounded down to it. */
  firstBlockSize: number;
}

/** The largest valid block size at `offset` up to `want`: getFile wants a block aligned to its own size. */
export function alignedBlockSize(offset: number, want: number): number {
  let s = MIN_BLOCK_SIZE;
  while (s * 2 <= Math.min(want, MAX_BLOCK_SIZE) && offset % (s * 2) === 0) s *= 2;
  return s;
}

/**
 * The block after `prev` (the range's first block when prev is null), as large as its offset's alignment allows up
 * to `want`; null once the range is covered. With a constant `want` of the block size and the head block size as
 * the first, this cuts a range as planBlocks does; a stream that learns its client's pace changes `want` as it goes,
 * so a slow client's blocks are small (less held while they are sent, less fetched and never delivered).
 */
export function nextBlock(range: BlockRange, prev: PlannedBlock | null, want: number): PlannedBlock | null {
  let offset: number;
  let limit: number;
  if (prev === null) {
    limit = range.firstBlockSize;
    offset = Math.floor(range.start / limit) * limit;
  } else {
    offset = prev.offset + prev.limit;
    if (offset > range.endInclusive) return null;
    limit = alignedBlockSize(offset, want);
  }
  const index = prev === null ? 0 : prev.index + 1;
  const length = Math.min(limit, range.size - offset);
  const last = offset + limit > range.endInclusive;
  return { index, offset, limit, length, sliceStart: prev === null ? range.start - offset : 0, sliceEnd: last ? range.endInclusive - offset + 1 : length };
}

/** Whether `block` holds the range's last byte. */
export function isLastBlock(range: BlockRange, block: PlannedBlock): boolean {
  return block.offset + block.limit > range.endInclusive;
}
