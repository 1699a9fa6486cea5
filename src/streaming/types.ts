// Contracts between the HTTP range server (src/http), the streaming layer (src/streaming) and the supervisor
// (actors/supervisor). The HTTP server only sees FileSource/BlockStream; it never knows about sessions or gramjs.

/** What the HTTP layer needs to answer a request for one stored file. */
export interface FileInfo {
  /** Public id as it appears in the URL (opaque to the HTTP layer). */
  id: string;
  size: number;
  mimeType: string;
  fileName: string;
  /** Strong validator; stable for the life of the stored file. */
  etag: string;
  /** When the file was stored (Last-Modified; also accepted as an If-Range date). */
  lastModified?: Date;
}

/**
 * An ordered stream of the bytes [start, endInclusive] of one file.
 * Backpressure contract: the producer may keep a bounded read-ahead window in flight, but nothing beyond it is
 * fetched until the consumer calls next() again. close() may be called at any time (client abort) and must
 * release every in-flight job, buffer and timer; next() after close() resolves null.
 */
export interface BlockStream {
  /** Resolves the next chunk in order, or null at the end. Rejects when the bytes cannot be fetched. */
  next(): Promise<Uint8Array | null>;
  close(): void;
}

/** Why a known link serves no bytes now: revoked (410), a bandwidth quota used up (429 or 503). */
export interface FileRefusal {
  refused: { status: 410 | 429 | 503; title: string; message: string; retryAfterS?: number };
}

export function isRefusal(value: FileInfo | FileRefusal | null): value is FileRefusal {
  return value !== null && 'refused' in value;
}

/** Who is asking, for limits that count viewers. */
export interface StatContext {
  /** The client address (through trusted proxies). */
  ip: string;
}

export interface FileSource {
  /**
   * Resolves null for an unknown id, a refusal for a link that serves nothing now; rejects only on infrastructure
   * failure. With a context, a FileInfo may hold a viewer's place until responseEnded(info).
   */
  stat(id: string, context?: StatContext): Promise<FileInfo | FileRefusal | null>;
  /** The response for `info` (from stat with a context) is over, however it ended. */
  responseEnded?(info: FileInfo): void;
  open(info: FileInfo, start: number, endInclusive: number): BlockStream;
}
