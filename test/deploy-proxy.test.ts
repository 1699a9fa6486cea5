// deploy/nginx.conf and deploy/Caddyfile in front of two upstreams on loopback: what reaches an instance (HTTP/1.1,
// Range and If-Range as sent, X-Forwarded-For with the client on the right), a response passed on while it is still
// being written, and one client kept on one instance. Only the listen address and the upstream ports are changed.
// Skipped where nginx or caddy is not installed (Debian packages nginx-light and caddy).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { freePort } from '../src/app/free-port.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'streambot-proxy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Seen { instance: number; httpVersion: string; url: string; headers: IncomingHttpHeaders }

const BIG = 128 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 1);

/**
 * Two upstreams standing in for two StreamBot instances. /slow answers a first chunk and ends only when told; /big
 * writes BIG bytes as fast as the connection takes them, reporting its progress.
 */
async function upstreams(): Promise<{ ports: number[]; seen: Seen[]; finishSlow: () => void; big: { written: number; blockedSince: number; finished: boolean }; close: () => void }> {
  const seen: Seen[] = [];
  const big = { written: 0, blockedSince: 0, finished: false };
  const waiting: ServerResponse[] = [];
  const servers: Server[] = [];
  const ports: number[] = [];
  for (const instance of [0, 1]) {
    const server = createServer((req, res) => {
      seen.push({ instance, httpVersion: req.httpVersion, url: req.url ?? '', headers: req.headers });
      if (req.url === '/slow') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write('first chunk\n');
        waiting.push(res);
        return;
      }
      if (req.url === '/big') {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(BIG) });
        const pump = () => {
          big.blockedSince = 0;
          while (big.written < BIG) {
            big.written += CHUNK.length;
            if (!res.write(CHUNK)) {
              big.blockedSince = Date.now();
              res.once('drain', pump);
              return;
            }
          }
          res.end(() => (big.finished = true));
        };
        pump();
        return;
      }
      res.writeHead(req.headers.range ? 206 : 200, { 'content-type': 'text/plain' });
      res.end(`instance ${instance}\n`);
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    servers.push(server);
    ports.push((server.address() as { port: number }).port);
  }
  return {
    ports,
    seen,
    big,
    finishSlow: () => waiting.splice(0).forEach((res) => res.end('second chunk\n')),
    close: () =>
      servers.forEach((s) => {
        s.closeAllConnections();
        s.close();
      }),
  };
}

async function listening(port: number, proxy: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proxy.exitCode !== null) assert.fail(`the proxy exited (${proxy.exitCode}):\n${log()}`);
    const up = await new Promise<boolean>((ok) => {
      const s = connect(port, '127.0.0.1', () => s.destroy() && ok(true));
      s.on('error', () => ok(false));
    });
    if (up) return;
    if (Date.now() > deadline) assert.fail(`the proxy did not listen on ${port} within 30 s:\n${log()}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

async function checkProxy(start: (listen: number, upstreamPorts: number[]) => ChildProcess): Promise<void> {
  const up = await upstreams();
  const port = await freePort('127.0.0.1');
  const proxy = start(port, up.ports);
  let log = '';
  proxy.stdout?.on('data', (c: Buffer) => (log += c));
  proxy.stderr?.on('data', (c: Buffer) => (log += c));
  try {
    await listening(port, proxy, () => log);
    const base = `http://127.0.0.1:${port}`;

    const res = await fetch(`${base}/stream/abc/film.mp4`, { headers: { range: 'bytes=100-199', 'if-range': '"etag-1"', 'x-forwarded-for': '203.0.113.9' } });
    assert.equal(res.status, 206, 'the upstream\'s 206 comes through');
    await res.text();
    const first = up.seen.find((s) => s.url === '/stream/abc/film.mp4');
    assert.ok(first, `the request reached an instance:\n${log}`);
    assert.equal(first.httpVersion, '1.1');
    assert.equal(first.headers.range, 'bytes=100-199');
    assert.equal(first.headers['if-range'], '"etag-1"');
    const hops = (first.headers['x-forwarded-for'] as string).split(',').map((h) => h.trim());
    assert.equal(hops.at(-1), '127.0.0.1', `the client's address is the rightmost hop (got ${hops.join(', ')})`);

    // One client stays on one instance.
    for (let i = 0; i < 6; i++) await (await fetch(`${base}/dl/abc/f${i}`)).text();
    const instances = new Set(up.seen.filter((s) => s.url.startsWith('/dl/')).map((s) => s.instance));
    assert.equal(instances.size, 1, 'all requests of one client went to one instance');

    // The first chunk reaches the client while the instance is still writing the response.
    const slow = await fetch(`${base}/slow`);
    const reader = slow.body!.getReader();
    const { value } = await reader.read();
    assert.equal(Buffer.from(value!).toString(), 'first chunk\n');
    up.finishSlow();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += Buffer.from(r.value).toString();
    assert.equal(rest, 'second chunk\n');

    // A client that takes nothing holds the instance back: the proxy keeps no copy of the stream in memory or on disk.
    // Passes once the instance has waited on the connection for 2 s without having written everything.
    const bigRes = await fetch(`${base}/big`);
    const bigReader = bigRes.body!.getReader();
    const deadline = Date.now() + 60_000;
    while (!(up.big.blockedSince > 0 && Date.now() - up.big.blockedSince > 2_000)) {
      assert.equal(up.big.finished, false, `the proxy took all ${BIG} bytes from the instance while the client read none`);
      assert.ok(Date.now() < deadline, 'the instance kept writing for 60 s');
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.ok(up.big.written < BIG / 2, `the instance wrote ${up.big.written} of ${BIG} bytes to a client that read none`);
    let got = 0;
    for (let r = await bigReader.read(); !r.done; r = await bigReader.read()) got += r.value.length;
    assert.equal(got, BIG, 'then every byte arrives');
  } finally {
    up.finishSlow();
    if (proxy.exitCode === null) {
      const gone = new Promise((ok) => proxy.once('exit', ok));
      proxy.kill('SIGTERM');
      await gone;
    }
    up.close();
  }
}

test('nginx with deploy/nginx.conf', { skip: !has('nginx') && 'nginx is not installed', timeout: 120_000 }, async () => {
  await checkProxy((listen, [a, b]) => {
    const conf = readFileSync(join(root, 'deploy/nginx.conf'), 'utf8')
      .replace(/listen 80;/, `listen 127.0.0.1:${listen};`)
      .replace('127.0.0.1:8081', `127.0.0.1:${a}`)
      .replace('127.0.0.1:8082', `127.0.0.1:${b}`)
      .replace(/^worker_processes auto;$/m, 'worker_processes 1;')
      .replace('http {', `http {\n    access_log off;\n    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;`);
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, conf);
    return spawn('nginx', ['-c', file, '-p', dir, '-g', `daemon off; master_process on; pid ${dir}/nginx.pid; error_log stderr warn;`], { stdio: ['ignore', 'pipe', 'pipe'] });
  });
});

test('Caddy with deploy/Caddyfile', { skip: !has('caddy') && 'caddy is not installed', timeout: 120_000 }, async () => {
  await checkProxy((listen, [a, b]) => {
    const conf = readFileSync(join(root, 'deploy/Caddyfile'), 'utf8')
      .replace(/^files\.example\.com \{/m, `{\n\tadmin off\n\tauto_https off\n\tstorage file_system ${dir}/caddy\n}\n\nhttp://127.0.0.1:${listen} {`)
      .replace('127.0.0.1:8081', `127.0.0.1:${a}`)
      .replace('127.0.0.1:8082', `127.0.0.1:${b}`);
    const file = join(dir, 'Caddyfile');
    writeFileSync(file, conf);
    return spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  });
});
