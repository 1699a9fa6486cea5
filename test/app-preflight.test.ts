import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttp, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../src/config/index.ts';
import { preflight } from '../src/app/preflight.ts';

const base = { BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr', API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890', PORT: '0', BIND_ADDRESS: '127.0.0.1', DATA_DIR: ':memory:' };
const config = (env: Record<string, string>) => loadConfig({ ...base, ...env });

/** The problems preflight reports, one per line ([] when it passes). */
async function problemsOf(env: Record<string, string>, timeoutMs?: number): Promise<string[]> {
  try {
    await preflight(config(env), { timeoutMs });
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${(err as Error).stack}`);
    return err.message.split('\n');
  }
}

async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-preflight-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const listening = <T extends Server | HttpServer>(server: T, host = '127.0.0.1'): Promise<T> => new Promise((ok) => server.listen(0, host, () => ok(server)));
const portOf = (server: Server | HttpServer) => (server.address() as { port: number }).port;
const closed = (server: Server | HttpServer) => new Promise<void>((ok) => server.close(() => ok()));

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = await listening(createServer());
  const port = portOf(server);
  await closed(server);
  return port;
}

/** An IPv4 address from the documentation ranges that no interface of this machine holds. */
function foreignAddress(): string {
  const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  const address = ['198.51.100.77', '203.0.113.77', '192.0.2.77'].find((a) => !local.has(a));
  assert.ok(address, 'every candidate address is local to this machine');
  return address;
}

test('a valid configuration passes, ":memory:" needs no directory, a host name is resolved', async () => {
  assert.deepEqual(await problemsOf({}), []);
  assert.deepEqual(await problemsOf({ BIND_ADDRESS: 'localhost' }), []);
});

test('DATA_DIR is created level by level and proven writable', async () => {
  await withTempDir(async (dir) => {
    const data = join(dir, 'a', 'b', 'c');
    assert.deepEqual(await problemsOf({ DATA_DIR: data }), []);
    assert.ok((await stat(data)).isDirectory());
    assert.deepEqual(await problemsOf({ DATA_DIR: data }), [], 'an existing directory passes again');
  });
});

test('DATA_DIR under a regular file, or a file itself, is refused naming the file', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'plain.txt');
    await writeFile(file, 'x');
    const under = await problemsOf({ DATA_DIR: join(file, 'x', 'y') });
    assert.equal(under.length, 1);
    assert.match(under[0]!, /^DATA_DIR .*plain\.txt\/x\/y is under .*plain\.txt, which is a file/);
    const itself = await problemsOf({ DATA_DIR: file });
    assert.match(itself[0]!, /^DATA_DIR .*plain\.txt is a file, not a directory/);
  });
});

test('DATA_DIR under a dangling link is refused, not retried forever', async () => {
  await withTempDir(async (dir) => {
    await symlink(join(dir, 'gone'), join(dir, 'link'));
    const problems = await problemsOf({ DATA_DIR: join(dir, 'link', 'data') }, 10_000);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^DATA_DIR .*link\/data cannot be created: .*link exists but takes no new directories/);
  });
});

test('DATA_DIR is not checked when DATABASE_URL selects MongoDB', async () => {
  assert.deepEqual(await problemsOf({ DATA_DIR: '/proc/x', DATABASE_URL: 'mongodb://127.0.0.1:1' }), []);
});

test('a BIND_ADDRESS this machine does not have is refused with the addresses it does have', async () => {
  const address = foreignAddress();
  const problems = await problemsOf({ BIND_ADDRESS: address });
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, new RegExp(`^BIND_ADDRESS ${address.replaceAll('.', '\\.')} is not an address of this machine: use one of .*127\\.0\\.0\\.1`));
});

test('a BIND_ADDRESS name that does not resolve is refused', async () => {
  const problems = await problemsOf({ BIND_ADDRESS: 'no-such-host.invalid' });
  assert.match(problems[0]!, /^BIND_ADDRESS no-such-host\.invalid does not resolve/);
});

test('a PORT already in use is refused naming PORT', async () => {
  const busy = await listening(createServer());
  try {
    const problems = await problemsOf({ PORT: String(portOf(busy)) });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, new RegExp(`^PORT ${portOf(busy)} is already in use on 127\\.0\\.0\\.1`));
  } finally {
    await closed(busy);
  }
});

test('an unreachable SANDBOX_URL is refused with how to start the sandbox', async () => {
  const url = `http://127.0.0.1:${await freePort()}`;
  const problems = await problemsOf({ SANDBOX_URL: url });
  assert.deepEqual(problems.length, 1);
  assert.match(problems[0]!, new RegExp(`^SANDBOX_URL ${url} is not answering \\(ECONNREFUSED\\): start it with npm run sandbox .*or unset SANDBOX_URL`));
});

test('a SANDBOX_URL that accepts but never answers is refused once the check times out', async () => {
  const sockets: Socket[] = [];
  const silent = await listening(createServer((socket) => void sockets.push(socket)));
  try {
    const problems = await problemsOf({ SANDBOX_URL: `http://127.0.0.1:${portOf(silent)}` }, 300);
    assert.match(problems[0]!, /^SANDBOX_URL .* is not answering \(no answer within 300 ms\)/);
    assert.ok(sockets.length > 0, 'the check reached the silent server');
  } finally {
    for (const socket of sockets) socket.destroy();
    await closed(silent);
  }
});

test('a SANDBOX_URL that is not a sandbox is refused; a sandbox\'s endpoint is handed back', async () => {
  const endpoint = { host: '127.0.0.1', ports: { 1: 1, 2: 2 }, rsa: { fingerprint: '1', n: '3', e: 65537 } };
  const server = await listening(createHttp((req, res) => {
    if (req.url === '/info') res.end(JSON.stringify({ result: endpoint }));
    else res.writeHead(404).end();
  }));
  const other = await listening(createHttp((_req, res) => res.writeHead(404).end('not found')));
  try {
    const result = await preflight(config({ SANDBOX_URL: `http://127.0.0.1:${portOf(server)}/` }));
    assert.deepEqual(result.sandbox, endpoint);
    const problems = await problemsOf({ SANDBOX_URL: `http://127.0.0.1:${portOf(other)}` });
    assert.match(problems[0]!, /^SANDBOX_URL .* does not answer like a sandbox DC \(HTTP 404 on \/info\)/);
  } finally {
    server.closeAllConnections();
    other.closeAllConnections();
    await Promise.all([closed(server), closed(other)]);
  }
});

test('every preflight problem is reported at once', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'f');
    await writeFile(file, '');
    const problems = await problemsOf({ BIND_ADDRESS: foreignAddress(), DATA_DIR: join(file, 'data'), SANDBOX_URL: `http://127.0.0.1:${await freePort()}` });
    assert.deepEqual(problems.map((p) => p.split(' ')[0]), ['BIND_ADDRESS', 'DATA_DIR', 'SANDBOX_URL']);
  });
});
