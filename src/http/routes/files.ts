// GET|HEAD /dl/:id[/:filename] (attachment) and /stream/:id[/:filename] (inline): byte ranges of a stored file.
import type { FileSource, FileInfo } from '../../streaming/types.ts';
import type { WriteCounters } from '../body-writer.ts';
import type { ClientLimits } from '../client-limits.ts';
import type { DispositionType } from '../content-disposition.ts';
import { FileResponse, type ResponseOutcome } from '../file-response.ts';
import type { HttpLogger } from '../logger.ts';
import { sendText } from '../replies.ts';
import type { Route } from './types.ts';

export interface FileRoutesDeps {
  source: FileSource;
  idleTimeoutMs: number;
  headersTimeoutMs: number;
  retryAfterS: number;
  maxRanges: number;
  maxStreams: number;
  allowMore?: (info: FileInfo, bytesSoFar: number) => boolean;
  counters: WriteCounters;
  logger: HttpLogger;
  /** Responses in flight (the server's, for maxStreams and close()). */
  active: Set<FileResponse>;
  perClient: ClientLimits;
  closing: () => boolean;
  onResponseEnd?: (outcome: ResponseOutcome) => void;
}

export function fileRoutes(d: FileRoutesDeps): Route[] {
  const route = (prefix: string, disposition: DispositionType, pattern: string): Route => ({
    name: `files.${prefix.slice(1)}`,
    kind: 'file',
    pattern,
    methods: ['get'],
    takeOver: (res, req, extra) => {
      const head = req.method === 'head';
      const retry: [string, string][] = [['Retry-After', String(d.retryAfterS)]];
      if (d.closing() || d.active.size >= d.maxStreams) return sendText(res, head, 503, 'too many streams, retry shortly', [...retry, ...extra]);
      // One address holding many idle streams must not lock everyone else out of maxStreams.
      if (!d.perClient.tryAcquire(req.ip)) return sendText(res, head, 503, 'too many streams from your address, retry shortly', [...retry, ...extra]);
      new FileResponse(
        res,
        { id: req.params.id!, head, disposition, ip: req.ip, range: req.headers.range ?? '', ifRange: req.headers['if-range'] ?? '', ifNoneMatch: req.headers['if-none-match'] ?? '' },
        {
          source: d.source,
          idleTimeoutMs: d.idleTimeoutMs,
          headersTimeoutMs: d.headersTimeoutMs,
          retryAfterS: d.retryAfterS,
          maxRanges: d.maxRanges,
          allowMore: d.allowMore,
          extraHeaders: extra,
          counters: d.counters,
          logger: d.logger,
          onStart: (r) => d.active.add(r),
          onFinish: (r) => {
            d.active.delete(r);
            if (r.outcome.info) d.source.responseEnded?.(r.outcome.info);
            d.perClient.release(req.ip);
            if (d.onResponseEnd) {
              try {
                d.onResponseEnd(r.outcome);
              } catch (err) {
                d.logger.error({ err }, 'onResponseEnd threw');
              }
            }
          },
        },
      );
    },
  });
  return (['/dl', '/stream'] as const).flatMap((prefix) => {
    const disposition: DispositionType = prefix === '/dl' ? 'attachment' : 'inline';
    return [route(prefix, disposition, `${prefix}/:id`), route(prefix, disposition, `${prefix}/:id/:filename`)];
  });
}
