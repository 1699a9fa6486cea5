import { createServer } from 'node:net';

/**
 * A port free right now on `host` (PORT=0): links are built before the HTTP server listens, so they must name the
 * port it will get.
 */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
