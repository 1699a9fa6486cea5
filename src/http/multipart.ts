// multipart/byteranges framing (RFC 9110 §14.6). Only the small framing strings live here; the part bodies are
// streamed from the source between them, so the Content-Length is known before the first byte is read.
// https://www.rfc-editor.org/rfc/rfc9110#section-14.6
import { randomBytes } from 'node:crypto';
import { contentRange, type ByteRange } from './range.ts';

export interface MultipartPart {
  range: ByteRange;
  /** Delimiter and part headers written before the part's bytes. */
  head: Uint8Array;
}

export interface MultipartPlan {
  contentType: string;
  parts: MultipartPart[];
  /** Close delimiter written after the last part. */
  tail: Uint8Array;
  contentLength: number;
}

const encoder = new TextEncoder();

/** A boundary of fixed length (so HEAD and GET agree on Content-Length) that the parts cannot guess. */
export function newBoundary(): string {
  return `sb_${randomBytes(16).toString('hex')}`;
}

export function planMultipart(ranges: ByteRange[], size: number, mimeType: string, boundary = newBoundary()): MultipartPlan {
  if (ranges.length < 2) throw new RangeError('multipart/byteranges needs at least two ranges');
  let contentLength = 0;
  const parts = ranges.map((range, i) => {
    // Every part after the first starts with the CRLF that ends the previous part's bytes.
    const head = encoder.encode(
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${mimeType}\r\nContent-Range: ${contentRange(range, size)}\r\n\r\n`,
    );
    contentLength += head.length + (range.end - range.start + 1);
    return { range, head };
  });
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`);
  contentLength += tail.length;
  return { contentType: `multipart/byteranges; boundary=${boundary}`, parts, tail, contentLength };
}
