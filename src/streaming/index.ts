// Public surface of the streaming layer.
export { openReadAhead, configureReadAhead, readAheadStats, sharedBlockCache } from './read-ahead.ts';
export { BlockCache } from './block-cache.ts';
export type { BlockCacheStats, BlockLease } from './block-cache.ts';
export type { BlockFetcher, StreamFile, ReadAheadOptions, ReadAheadStats } from './read-ahead.ts';
export { ByteBudget } from './byte-budget.ts';
export type { ByteBudgetStats } from './byte-budget.ts';
export { planBlocks, blockAt, listBlocks, chooseBlockSize, isValidBlockSize, MIN_BLOCK_SIZE, MAX_BLOCK_SIZE } from './block-plan.ts';
export type { BlockPlan, PlannedBlock } from './block-plan.ts';
export { StreamingError, StreamingErrorCodes } from './errors.ts';
export type { StreamingErrorCode } from './errors.ts';
export type { BlockStream, FileInfo, FileSource } from './types.ts';
