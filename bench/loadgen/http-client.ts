// HTTP reads as players and download managers do them: a new connection per request, the body counted (and hashed
// when asked) as it arrives, optionally paced to a reading rate, and bounded in time.
import { request } from 'node:http';
import { createHash, type Hash } from 'node:crypto';

export interface ReadSpec {
  url: string;
  /** First byte wanted; with `end` a Range request is sent. */
  start?: number;
  /** Last byte wanted, inclusive; undefined = to the end of the file (a Range `start-` when start is set). */
  end?: number;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Bytes per second the reader drains at most; 0 = as fast as it comes. */
  rateBytesPerSec?: number;
  /** Stop reading (and close) once this many body bytes arrived. */
  stopAfterBytes?: number;
  /** Hash the body as it arrives. */
  hash?: boolean;
  /** Bytes counted only after this many ms from the start (a rate past the ramp-up). */
  settleMs?: number;
}

export interface ReadResult {
  status: number;
  bytes: number;
  /** Body bytes that arrived after settleMs. */
  settledBytes: number;
  ttfbMs: number | null;
  totalMs: number;
  /** 'complete': the body ended; 'stopped': stopAfterBytes or the deadline; 'error': connection failure. */
  outcome: 'complete' | 'stopped' | 'error';
  error?: string;
  sha256?: string;
}

/** One request; ends at the body's end, stopAfterBytes, `deadline` (performance.now() ms) or an error. */
export function read(spec: ReadSpec, deadline: number): Promise<ReadResult> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let ttfb: number | null = null;
    let bytes = 0;
    let settledBytes = 0;
    let status = 0;
    let done = false;
    let hash: Hash | undefined = spec.hash ? createHash('sha256') : undefined;
    const headers: Record<string, string> = { ...spec.headers };
    if (spec.start !== undefined) headers.range = `bytes=${spec.start}-${spec.end ?? ''}`;
    const finish = (outcome: ReadResult['outcome'], error?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(resumeTimer);
      req.destroy();
      resolve({ status, bytes, settledBytes, ttfbMs: ttfb, totalMs: performance.now() - t0, outcome, ...(error ? { error } : {}), ...(hash ? { sha256: hash.digest('hex') } : {}) });
      hash = undefined;
    };
    let resumeTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => finish('stopped'), Math.max(0, deadline - performance.now()));
    const req = request(spec.url, { method: spec.method ?? 'GET', agent: false, headers }, (res) => {
      status = res.statusCode ?? 0;
      if (ttfb === null && spec.method === 'HEAD') ttfb = performance.now() - t0;
      const rate = spec.rateBytesPerSec ?? 0;
      let readStart = 0;
      res.on('data', (chunk: Buffer) => {
        const now = performance.now();
        if (ttfb === null) {
          ttfb = now - t0;
          readStart = now;
        }
        let piece = chunk;
        if (spec.stopAfterBytes !== undefined && bytes + piece.length > spec.stopAfterBytes) piece = piece.subarray(0, spec.stopAfterBytes - bytes);
        bytes += piece.length;
        if (spec.settleMs === undefined || now - t0 >= spec.settleMs) settledBytes += piece.length;
        hash?.update(piece);
        if (spec.stopAfterBytes !== undefined && bytes >= spec.stopAfterBytes) return finish('stopped');
        if (rate > 0) {
          // Ahead of the reading rate: stop draining until the schedule catches up, as a player with a full buffer does.
          const dueMs = (bytes / rate) * 1000 - (now - readStart);
          if (dueMs > 5) {
            res.pause();
            resumeTimer = setTimeout(() => res.resume(), dueMs);
          }
        }
      });
      res.on('end', () => finish('complete'));
      res.on('error', (err) => finish('error', err.message));
    });
    req.on('error', (err) => finish('error', (err as Error).message));
    req.end();
  });
}
