// An HTTP client for streams under test: one connection per stream, the status as soon as headers arrive, and the
// whole body (or how it ended) afterwards.
import { request } from 'node:http';

export interface StreamResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** True when the body ended with every byte of Content-Length; false when the connection was cut short. */
  complete: boolean;
}

export interface OpenStream {
  /** Resolves with the status once the response headers are in. */
  headers: Promise<number>;
  done: Promise<StreamResult>;
  /** Bytes of body received so far. */
  received(): number;
  destroy(): void;
}

export function openStream(url: string, headers: Record<string, string> = {}): OpenStream {
  let received = 0;
  let resolveHeaders!: (status: number) => void;
  let rejectHeaders!: (err: Error) => void;
  const headersReady = new Promise<number>((resolve, reject) => { resolveHeaders = resolve; rejectHeaders = reject; });
  headersReady.catch(() => {});
  const req = request(url, { agent: false, headers });
  const done = new Promise<StreamResult>((resolve, reject) => {
    req.on('response', (res) => {
      resolveHeaders(res.statusCode ?? 0);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => { chunks.push(chunk); received += chunk.length; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete }));
      res.on('error', (err) => reject(err));
      res.on('aborted', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: false }));
    });
    req.on('error', (err) => { rejectHeaders(err); reject(err); });
  });
  req.end();
  return { headers: headersReady, done, received: () => received, destroy: () => req.destroy() };
}
