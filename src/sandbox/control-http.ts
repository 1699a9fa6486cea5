// The control API over loopback HTTP, for processes other than the sandbox's own (the app under the bench, the demo):
// POST /control/<method> with a JSON array of arguments → JSON { result } or { error }; GET /info → the endpoint.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SandboxControl } from './control.ts';

const CALLABLE = new Set(Object.getOwnPropertyNames(SandboxControl.prototype).filter((n) => n !== 'constructor'));
const MAX_BODY = 16 * 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : [];
}

const toJson = (value: unknown): string => JSON.stringify({ result: value }, (_k, v) => {
  if (typeof v === 'bigint') return v.toString();
  if (v && v.type === 'Buffer' && Array.isArray(v.data)) return { base64: Buffer.from(v.data).toString('base64') };
  return v;
});

export function startControlServer(control: SandboxControl, port = 0, host = '127.0.0.1'): Promise<{ server: Server; port: number; url: string }> {
  const server = createServer(async (req, res) => {
    const reply = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://control');
      if (req.method === 'GET' && url.pathname === '/info') return reply(200, toJson(control.info()));
      const m = /^\/control\/([A-Za-z]+)$/.exec(url.pathname);
      if (req.method !== 'POST' || !m) return reply(404, JSON.stringify({ error: 'use POST /control/<method> or GET /info' }));
      const method = m[1]!;
      if (!CALLABLE.has(method)) return reply(404, JSON.stringify({ error: `unknown control method ${method}` }));
      const args = await readJson(req);
      if (!Array.isArray(args)) return reply(400, JSON.stringify({ error: 'the body must be a JSON array of arguments' }));
      const result = await (control as any)[method](...args);
      reply(200, toJson(result ?? null));
    } catch (err) {
      reply(400, JSON.stringify({ error: (err as Error).message }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === 'object' && addr ? addr.port : port;
      resolve({ server, port: actual, url: `http://${host}:${actual}` });
    });
  });
}
