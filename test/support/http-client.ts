// Clients for the HTTP tests that never keep connections alive, so no test hangs on an idle socket.
import http from 'node:http';
import net from 'node:net';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

const agent = new http.Agent({ keepAlive: false });

export function request(
  port: number,
  path: string,
  init: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(init.timeoutMs ?? 10_000, () => req.destroy(new Error(`request ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

export interface RawReply {
  statusLine: string;
  status: number;
  /** Header lines in wire order, names lowercased. */
  headerList: Array<[string, string]>;
  body: Buffer;
  /** Everything received, as bytes. */
  raw: Buffer;
}

/** Sends `head` verbatim over a fresh socket and reads until the server closes it (or `timeoutMs`). */
export function rawRequest(port: number, head: string, timeoutMs = 5_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('raw request timed out'));
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(parseRaw(Buffer.concat(chunks)));
    });
    socket.write(head);
  });
}

export function parseRaw(raw: Buffer): RawReply {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { statusLine: '', status: 0, headerList: [], body: Buffer.alloc(0), raw };
  const lines = raw.subarray(0, end).toString('latin1').split('\r\n');
  const statusLine = lines.shift()!;
  const headerList = lines.map((l): [string, string] => {
    const i = l.indexOf(':');
    return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
  });
  return { statusLine, status: Number(statusLine.split(' ')[1]), headerList, body: raw.subarray(end + 4), raw };
}

export function headerValues(reply: RawReply, name: string): string[] {
  return reply.headerList.filter(([n]) => n === name).map(([, v]) => v);
}

/** Wait until `check()` is true, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
