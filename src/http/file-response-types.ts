// What a file response takes (the request, the server's context) and what it reports when it is over.
import type { FileInfo, FileSource } from '../streaming/types.ts';
import type { WriteCounters } from './body-writer.ts';
import type { DispositionType } from './content-disposition.ts';
import type { FileResponse } from './file-response.ts';
import type { HttpLogger } from './logger.ts';
import type { PlanRequest } from './reply-plan.ts';
import type { HeaderList } from './replies.ts';

export interface FileRequest extends PlanRequest {
  /** URL-decoded id. */
  id: string;
  head: boolean;
  /** The client address, for limits counted per viewer. */
  ip?: string;
}

export interface FileResponseContext {
  source: FileSource;
  idleTimeoutMs: number;
  /** Headers not out after this long (the source has produced nothing yet) → 503 with Retry-After. */
  headersTimeoutMs: number;
  /** Seconds for Retry-After on a stall. */
  retryAfterS: number;
  maxRanges: number;
  /** Asked before each block is requested from the source; false stops the response. */
  allowMore?: (info: FileInfo, bytesSoFar: number) => boolean;
  /** Headers every answer of this response carries besides its own (security headers from the policy). */
  extraHeaders?: HeaderList;
  counters: WriteCounters;
  logger: HttpLogger;
  onStart(response: FileResponse): void;
  onFinish(response: FileResponse): void;
}

/**
 * How a file response ended. 'complete': the whole answer went out (a body, or a 304/404/416/HEAD).
 * 'aborted': the client went away, stopped reading, or the server closed. 'failed': the source failed (502, or the
 * connection cut mid-body) or stalled (503). 'stopped': allowMore said no (429, or the connection cut mid-body).
 */
export type ResponseResult = 'complete' | 'aborted' | 'failed' | 'stopped';

export interface ResponseOutcome {
  id: string;
  /** null when the id was unknown (or the lookup failed). */
  info: FileInfo | null;
  disposition: DispositionType;
  head: boolean;
  /** The status answered: 200 or 206 for a body, 304, 404, 416 or a refusal's; 0 when no answer was decided (502 and
   *  503 after a source failure, 429 from allowMore, or a client gone first). */
  status: number;
  /** Offset of the first byte the body was to carry (null for no body): 0 marks a download or play from the start. */
  firstByte: number | null;
  bytesSent: number;
  aborted: boolean;
  result: ResponseResult;
  /** Why a 'failed' response failed: the source rejected or broke its contract, or produced nothing in time. */
  failure: 'source' | 'stalled' | null;
}
