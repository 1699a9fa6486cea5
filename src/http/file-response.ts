// One GET or HEAD of a stored file, from stat to the last byte: the reply is planned in reply-plan.ts, then pumped
// here. Lifecycle: the abort handler is registered before the first await; after an abort nothing touches `res`;
// every BlockStream opened is closed exactly once; the response is accounted for exactly once (finish). Headers must leave within headersTimeoutMs or the client gets an
// honest 503; allowMore is asked at every block boundary whether the body may go on.
import { createHash } from 'node:crypto';
import { isRefusal, type BlockStream, type FileInfo } from '../streaming/types.ts';
import { BodyWriter } from './body-writer.ts';
import type { FileRequest, FileResponseContext, ResponseOutcome, ResponseResult } from './file-response-types.ts';
import { hasResponseSubscribers, nextResponseId, publishResponseEvent } from './diagnostics.ts';
import { HttpError, sourceFailed, sourceLength } from './errors.ts';
import { responseEnded, responseInFlight } from './front-hook.ts';
import type { HttpLogger } from './logger.ts';
import { planReply, type Segment } from './reply-plan.ts';
import { sendComplete, sendHead, sendNotModified, sendPage, sendText, writeHead, type HeaderList, type Status } from './replies.ts';
import type { HttpResponse } from './uws.ts';

export type { FileRequest, FileResponseContext, ResponseOutcome, ResponseResult } from './file-response-types.ts';

const ABORTED = Symbol('aborted');
const STALL_TEXT = 'the file is slow to start, retry shortly';
const STOP_TEXT = 'bandwidth limit reached for this link, try again later';
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown } | typeof ABORTED;

export class FileResponse {
  readonly #res: HttpResponse;
  readonly #req: FileRequest;
  readonly #ctx: FileResponseContext;
  readonly #log: HttpLogger;
  #aborted = false;
  #finished = false;
  #stream: BlockStream | null = null;
  #writer: BodyWriter | null = null;
  #wake: (() => void) | null = null;
  #info: FileInfo | null = null;
  #status = 0;
  #firstByte: number | null = null;
  #result: ResponseResult | null = null;
  #failure: ResponseOutcome['failure'] = null;
  #headersTimer: NodeJS.Timeout | null = null;
  readonly #responseId = nextResponseId();
  /** Body bytes already published as 'bytes' events. */
  #published = 0;
  #started = false;
  /** Holds pipelined requests of this connection until this response is over (src/http/front-hook.ts). */
  readonly #frontToken = responseInFlight();
  /** Settles when the request is over, however it ended; never rejects. */
  readonly settled: Promise<void>;

  constructor(res: HttpResponse, req: FileRequest, ctx: FileResponseContext) {
    this.#res = res;
    this.#req = req;
    this.#ctx = ctx;
    // Ids are download capabilities, so logs carry a short digest instead.
    this.#log = ctx.logger.child({ file: createHash('sha256').update(req.id).digest('hex').slice(0, 12) });
    res.onAborted(() => this.#onAborted());
    ctx.onStart(this);
    this.#armHeadersTimer();
    this.settled = this.#run().catch((err: unknown) => {
      this.#log.error({ err }, 'file response failed unexpectedly');
      try {
        this.terminate();
      } catch (closeErr) {
        this.#log.error({ err: closeErr }, 'could not close the connection of a failed response');
      } finally {
        this.#finish();
      }
    });
  }

  /** What this response did, for accounting once it is over (bytes are body bytes uWS accepted: exact on abort too). */
  get outcome(): ResponseOutcome {
    return {
      id: this.#req.id,
      info: this.#info,
      disposition: this.#req.disposition,
      head: this.#req.head,
      status: this.#status,
      firstByte: this.#firstByte,
      bytesSent: this.#writer?.bytesWritten ?? 0,
      aborted: this.#aborted,
      result: this.#result ?? (this.#aborted ? 'aborted' : 'complete'),
      failure: this.#failure,
    };
  }

  /** Force-closes the connection unless the response already finished (used on server close and source errors). */
  terminate(): void {
    if (this.#aborted || this.#finished) return;
    // A finished body means uWS has discarded `res`; there is nothing left to close.
    if (this.#writer?.done) return this.#finish();
    this.#res.close();
    // uWS runs onAborted from close(); calling it again is a no-op, and covers a build that would not.
    this.#onAborted();
  }

  /** A response's own headers followed by the policy's. */
  #x(headers: HeaderList = []): HeaderList {
    const extra = this.#ctx.extraHeaders;
    if (!extra || extra.length === 0) return headers;
    // A header the policy sets too (X-Content-Type-Options) is sent once, the policy's way.
    const names = new Set(extra.map(([n]) => n.toLowerCase()));
    return [...headers.filter(([n]) => !names.has(n.toLowerCase())), ...extra];
  }

  async #run(): Promise<void> {
    const { source } = this.#ctx;
    const stat = await this.#settle(() => source.stat(this.#req.id, this.#req.ip === undefined ? undefined : { ip: this.#req.ip }));
    if (stat === ABORTED) return;
    if (!stat.ok) return this.#failBeforeHeaders(sourceFailed('looking up the file', stat.error));
    const found = stat.value;
    if (found === null) {
      this.#status = 404;
      sendText(this.#res, this.#req.head, 404, 'file not found', this.#x());
      return this.#finish();
    }
    if (isRefusal(found)) {
      const { status, title, message, retryAfterS } = found.refused;
      this.#status = status;
      sendPage(this.#res, this.#req.head, status, title, message, this.#x(retryAfterS === undefined ? [] : [['Retry-After', String(retryAfterS)]]));
      return this.#finish();
    }
    const info = found;
    this.#info = info;
    if (!Number.isSafeInteger(info.size) || info.size < 0) {
      return this.#failBeforeHeaders(sourceFailed('describing the file', new TypeError(`FileInfo.size is ${info.size}`)));
    }

    const plan = planReply(info, this.#req, { maxRanges: this.#ctx.maxRanges });
    if (plan.kind === 'not-modified') {
      this.#status = 304;
      sendNotModified(this.#res, this.#x(plan.headers));
      return this.#finish();
    }
    if (plan.kind === 'unsatisfiable') {
      this.#status = 416;
      sendText(this.#res, this.#req.head, 416, 'range not satisfiable', this.#x(plan.headers));
      return this.#finish();
    }
    const { status, headers, segments, tail, length } = plan;

    this.#status = status;
    this.#firstByte = segments[0]?.range.start ?? null;
    if (this.#req.head) {
      sendHead(this.#res, status, this.#x(headers), length);
      return this.#finish();
    }
    if (length === 0) {
      sendComplete(this.#res, false, status, this.#x(headers));
      return this.#finish();
    }

    const writer = new BodyWriter(this.#res, {
      totalSize: length,
      idleTimeoutMs: this.#ctx.idleTimeoutMs,
      counters: this.#ctx.counters,
      // Headers leave with the first bytes, so a source that fails before then still gets a clean 502.
      writeHead: () => {
        this.#clearHeadersTimer();
        writeHead(this.#res, status, this.#x(headers));
      },
      onIdle: () => {
        this.#log.info({ idleTimeoutMs: this.#ctx.idleTimeoutMs }, 'closing a client that stopped reading');
        this.terminate();
      },
    });
    this.#writer = writer;
    this.#started = true;
    if (hasResponseSubscribers()) {
      publishResponseEvent({ type: 'start', responseId: this.#responseId, source: this.#ctx.source, info, disposition: this.#req.disposition, status, firstByte: this.#firstByte!, contentLength: length, bytes: 0, totalBytes: 0 });
    }

    for (const segment of segments) {
      if (!(await this.#pump(info, segment))) return;
    }
    if (tail !== undefined) {
      if (!(await writer.write(tail))) return;
      this.#publishBytes();
    }
    if (!writer.done) {
      // Our own length arithmetic disagrees with what was written: never leave the client waiting for bytes.
      this.#log.error({ length }, 'response body shorter than its Content-Length');
      return this.terminate();
    }
    this.#finish();
  }

  /** Streams one range; false when the response ended early (abort or failure, already handled). */
  async #pump(info: FileInfo, { range, prefix }: Segment): Promise<boolean> {
    const writer = this.#writer!;
    const expected = range.end - range.start + 1;
    if (!this.#mayContinue(info)) return false;
    let stream: BlockStream;
    try {
      stream = this.#ctx.source.open(info, range.start, range.end);
    } catch (err) {
      this.#failSource(sourceFailed('opening a byte stream', err));
      return false;
    }
    this.#stream = stream;
    let received = 0;
    let pendingPrefix = prefix;
    while (received < expected) {
      const next = await this.#settle(() => stream.next());
      if (next === ABORTED) return false;
      if (!next.ok) {
        this.#failSource(sourceFailed('reading bytes', next.error));
        return false;
      }
      const chunk = next.value;
      if (chunk === null) {
        this.#failSource(sourceLength(expected, received));
        return false;
      }
      received += chunk.length;
      if (received > expected) {
        this.#failSource(sourceLength(expected, received));
        return false;
      }
      if (chunk.length === 0) continue;
      const written = pendingPrefix === undefined ? await writer.write(chunk) : await writer.write(pendingPrefix, chunk);
      pendingPrefix = undefined;
      if (!written) return false;
      this.#publishBytes();
      if (received < expected && !this.#mayContinue(info)) return false;
    }
    this.#closeStream();
    return true;
  }

  /** Awaits `call()` unless the response is aborted first; never rejects, so late rejections are never unhandled. */
  #settle<T>(call: () => Promise<T>): Promise<Settled<T>> {
    if (this.#aborted || this.#finished) return Promise.resolve(ABORTED);
    return new Promise((resolve) => {
      this.#wake = () => resolve(ABORTED);
      const done = (result: Settled<T>) => {
        this.#wake = null;
        resolve(result);
      };
      try {
        call().then(
          (value) => done({ ok: true, value }),
          (error: unknown) => done({ ok: false, error }),
        );
      } catch (error) {
        done({ ok: false, error });
      }
    });
  }

  #failBeforeHeaders(err: HttpError): void {
    this.#result ??= 'failed';
    this.#failure ??= 'source';
    this.#log.error({ err }, err.message);
    sendText(this.#res, this.#req.head, 502, 'the file could not be fetched, try again', this.#x());
    this.#finish();
  }

  #failSource(err: HttpError): void {
    if (this.#aborted) return;
    this.#closeStream();
    if (this.#writer === null || !this.#writer.headersSent) return this.#failBeforeHeaders(err);
    // Status and Content-Length are already on the wire: closing is the only honest signal left.
    this.#result ??= 'failed';
    this.#failure ??= 'source';
    this.#log.error({ err }, `${err.message}; closing the connection mid-body`);
    this.terminate();
  }

  /** Asks allowMore whether the body may go on; on no, answers or cuts the connection and returns false. */
  #mayContinue(info: FileInfo): boolean {
    const allowMore = this.#ctx.allowMore;
    if (allowMore === undefined) return true;
    const bytesSoFar = this.#writer?.bytesWritten ?? 0;
    let allowed: boolean;
    try {
      allowed = allowMore(info, bytesSoFar) !== false;
    } catch (err) {
      // A broken limit check must not take every stream down with it; it is logged and the body goes on.
      this.#log.error({ err }, 'allowMore threw; the response goes on');
      return true;
    }
    if (allowed) return true;
    this.#result = 'stopped';
    this.#closeStream();
    if (this.#writer === null || !this.#writer.headersSent) {
      this.#log.info({ bytesSoFar }, 'allowMore refused the response before its first byte');
      sendText(this.#res, this.#req.head, 429, STOP_TEXT, this.#x());
      this.#finish();
    } else {
      this.#log.info({ bytesSoFar }, 'allowMore stopped the response; closing the connection mid-body');
      this.terminate();
    }
    return false;
  }

  #armHeadersTimer(): void {
    this.#ctx.counters.timers++;
    this.#headersTimer = setTimeout(() => {
      this.#headersTimer = null;
      this.#ctx.counters.timers--;
      this.#onStall();
    }, this.#ctx.headersTimeoutMs);
  }

  #clearHeadersTimer(): void {
    if (this.#headersTimer === null) return;
    clearTimeout(this.#headersTimer);
    this.#headersTimer = null;
    this.#ctx.counters.timers--;
  }

  /** The source produced nothing before headersTimeoutMs: say so now instead of leaving the client to guess. */
  #onStall(): void {
    if (this.#aborted || this.#finished || this.#writer?.headersSent) return;
    this.#result = 'failed';
    this.#failure = 'stalled';
    this.#log.warn({ headersTimeoutMs: this.#ctx.headersTimeoutMs }, 'the file source produced nothing in time; answered 503');
    sendText(this.#res, this.#req.head, 503, STALL_TEXT, this.#x([['Retry-After', String(this.#ctx.retryAfterS)]]));
    // Closes the stream and releases the pending stat or next(); its late result is ignored.
    this.#finish();
  }

  /** Publishes the body bytes uWS accepted since the last event. */
  #publishBytes(): void {
    const total = this.#writer?.bytesWritten ?? 0;
    const bytes = total - this.#published;
    if (bytes <= 0 || !this.#started) return;
    this.#published = total;
    if (!hasResponseSubscribers()) return;
    publishResponseEvent({ type: 'bytes', responseId: this.#responseId, source: this.#ctx.source, info: this.#info!, disposition: this.#req.disposition, firstByte: this.#firstByte!, bytes, totalBytes: total });
  }

  #onAborted(): void {
    if (this.#aborted || this.#finished) return;
    this.#aborted = true;
    this.#closeStream();
    this.#writer?.abort();
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    this.#log.debug({}, 'client went away');
    this.#finish();
  }

  #closeStream(): void {
    const stream = this.#stream;
    if (stream === null) return;
    this.#stream = null;
    try {
      stream.close();
    } catch (err) {
      this.#log.warn({ err }, 'BlockStream.close threw');
    }
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    responseEnded(this.#frontToken);
    this.#clearHeadersTimer();
    this.#closeStream();
    this.#writer?.abort(); // no-op after a complete body; releases the timer on any other path
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
    // Bytes uWS took from a write the response did not live to see finish (abort, cut) are still bytes sent.
    this.#publishBytes();
    try {
      this.#ctx.onFinish(this);
    } finally {
      if (hasResponseSubscribers()) {
        const total = this.#writer?.bytesWritten ?? 0;
        publishResponseEvent({ type: 'end', responseId: this.#responseId, source: this.#ctx.source, info: this.#info, disposition: this.#req.disposition, firstByte: this.#firstByte, bytes: 0, totalBytes: total, outcome: this.outcome });
      }
    }
  }
}
