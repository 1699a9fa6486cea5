// Small HTTP helpers for end-to-end tests: whole bodies as Buffers, and a client that aborts mid-body.
import { request } from 'node:http';

export async function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, { headers, method });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Starts a GET and destroys the socket after `afterBytes` bytes of body (or at once when 0). */
export function abortAfter(url: string, afterBytes: number): Promise<number> {
  return new Promise((resolve) => {
    let seen = 0;
    const req = request(url, { agent: false }, (res) => {
      if (afterBytes === 0) { req.destroy(); return resolve(0); }
      res.on('data', (chunk: Buffer) => {
        seen += chunk.length;
        if (seen >= afterBytes) { req.destroy(); resolve(seen); }
      });
      res.on('end', () => resolve(seen));
      res.on('error', () => resolve(seen));
    });
    req.on('error', () => resolve(seen));
    req.end();
  });
}
