// The plan of a file reply, decided from the file and the request's headers alone: status, headers and the byte
// ranges to send. No I/O: the pump in file-response.ts carries it out.
import type { FileInfo } from '../streaming/types.ts';
import { contentDisposition, type DispositionType } from './content-disposition.ts';
import { contentType, formatEtag, ifNoneMatchMatches, ifRangeMatches } from './headers.ts';
import { planMultipart } from './multipart.ts';
import { contentRange, parseRange, unsatisfiedRange, type ByteRange } from './range.ts';
import type { HeaderList } from './replies.ts';

export interface PlanRequest {
  disposition: DispositionType;
  /** Raw header values, '' when absent. */
  range: string;
  ifRange: string;
  ifNoneMatch: string;
}

export interface Segment {
  range: ByteRange;
  /** Multipart delimiter and part headers sent before the range's bytes. */
  prefix?: Uint8Array;
}

export type ReplyPlan =
  | { kind: 'not-modified'; headers: HeaderList }
  | { kind: 'unsatisfiable'; headers: HeaderList }
  | { kind: 'body'; status: 200 | 206; headers: HeaderList; segments: Segment[]; tail?: Uint8Array; length: number };

/**
 * A stored file's bytes never change for its id, but the link can be revoked or expire: browsers and proxies may
 * keep ranges for a while (validators let them revalidate), not forever.
 */
export const FILE_CACHE_CONTROL = 'public, max-age=300';

export function planReply(info: FileInfo, req: PlanRequest, opts: { maxRanges: number }): ReplyPlan {
  const etag = formatEtag(String(info.etag));
  const mime = contentType(info.mimeType);
  const validators: HeaderList = [
    ['Accept-Ranges', 'bytes'],
    ['ETag', etag],
    ...(info.lastModified ? [['Last-Modified', info.lastModified.toUTCString()] as const] : []),
    ['Cache-Control', FILE_CACHE_CONTROL],
  ];
  const entity: HeaderList = [
    ...validators,
    ['Content-Disposition', contentDisposition(req.disposition, String(info.fileName ?? ''))],
    // The MIME type comes from the uploader; a browser must not second-guess it into something executable.
    ['X-Content-Type-Options', 'nosniff'],
  ];

  // If-None-Match comes before Range and If-Range (RFC 9110 §13.2.2): a current copy needs no bytes at all.
  if (ifNoneMatchMatches(req.ifNoneMatch, etag)) return { kind: 'not-modified', headers: validators };

  // A Range under a failed If-Range is ignored: the client gets the whole current file (RFC 9110 §13.1.5).
  const rangeHeader = req.ifRange !== '' && !ifRangeMatches(req.ifRange, etag, info.lastModified) ? '' : req.range;
  const decision = parseRange(rangeHeader || undefined, info.size, { maxRanges: opts.maxRanges });
  if (decision.kind === 'unsatisfiable') return { kind: 'unsatisfiable', headers: [...validators, ['Content-Range', unsatisfiedRange(info.size)]] };

  if (decision.kind === 'full') {
    return { kind: 'body', status: 200, headers: [['Content-Type', mime], ...entity], segments: info.size === 0 ? [] : [{ range: { start: 0, end: info.size - 1 } }], length: info.size };
  }
  if (decision.ranges.length === 1) {
    const range = decision.ranges[0]!;
    return { kind: 'body', status: 206, headers: [['Content-Type', mime], ['Content-Range', contentRange(range, info.size)], ...entity], segments: [{ range }], length: range.end - range.start + 1 };
  }
  const plan = planMultipart(decision.ranges, info.size, mime);
  return { kind: 'body', status: 206, headers: [['Content-Type', plan.contentType], ...entity], segments: plan.parts.map((part) => ({ range: part.range, prefix: part.head })), tail: plan.tail, length: plan.contentLength };
}
