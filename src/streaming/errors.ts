// SB_ERR_* codes of the streaming layer. One registry, one class; `code` is stable, the message may change.

import { defineErrorCatalog } from '../errors/registry.ts';

export const { Codes: StreamingErrorCodes, ErrorClass: StreamingError } = defineErrorCatalog('StreamingError', 'StreamBotError', {
  SB_ERR_RANGE_INVALID: 'invalid byte range',
  SB_ERR_BLOCK_SIZE_INVALID: 'block size must be a power of two between 4096 and 1048576',
  SB_ERR_BLOCK_LENGTH: 'a block came back with the wrong number of bytes',
  SB_ERR_STREAM_BUSY: 'next() called while the previous next() is still pending',
});

export type StreamingErrorCode = keyof typeof StreamingErrorCodes;
export type StreamingError = InstanceType<typeof StreamingError>;
