// SB_ERR_* codes of the streaming layer. One registry, one class; `code` is stable, the message may change.

export const StreamingErrorCodes = {
  SB_ERR_RANGE_INVALID: 'invalid byte range',
  SB_ERR_BLOCK_SIZE_INVALID: 'block size must be a power of two between 4096 and 1048576',
  SB_ERR_BLOCK_LENGTH: 'a block came back with the wrong number of bytes',
  SB_ERR_STREAM_BUSY: 'next() called while the previous next() is still pending',
} as const;

export type StreamingErrorCode = keyof typeof StreamingErrorCodes;

export class StreamingError extends Error {
  readonly code: StreamingErrorCode;
  [field: string]: unknown;

  constructor(code: StreamingErrorCode, detail?: string, fields?: Record<string, unknown>) {
    const base = StreamingErrorCodes[code];
    if (base === undefined) throw new TypeError(`unknown error code ${String(code)}`);
    super(detail ? `${base}: ${detail}` : base);
    Object.assign(this, fields);
    this.code = code;
  }

  static {
    Object.defineProperty(this.prototype, 'name', { value: 'StreamBotError', enumerable: false, writable: true });
  }
}
