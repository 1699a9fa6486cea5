// `npm start` with a bad configuration: exit code 2, every problem named on stderr, no stack trace, no hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const base = { BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr', API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890', PORT: '0', BIND_ADDRESS: '127.0.0.1', DATA_DIR: ':memory:' };
const STACK_LINE = /^\s+at /m;

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** src/main.ts with only the given environment; killed (and reported as such) if it does not exit in time. */
function runMain(env: Record<string, string>, user: { uid?: number; gid?: number } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, stdout, stderr });
    });
  });
}

function assertRefused(run: Run, variables: string[]): void {
  assert.equal(run.signal, null, `main.ts did not exit by itself; stderr: ${run.stderr}`);
  assert.equal(run.code, 2, `exit code; stderr: ${run.stderr}`);
  assert.match(run.stderr, /^StreamBot cannot start:\n/);
  for (const v of variables) assert.match(run.stderr, new RegExp(`^- ${v} `, 'm'), `${v} not named in: ${run.stderr}`);
  assert.equal(run.stderr.split('\n').filter((l) => l.startsWith('- ')).length, variables.length, run.stderr);
  assert.doesNotMatch(run.stderr, STACK_LINE, 'a stack trace reached the user');
  assert.doesNotMatch(run.stdout, /starting/, 'started despite the problems');
}

async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sb-main-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('values loadConfig refuses: exit 2 with each variable named', async () => {
  assertRefused(await runMain({ LOG_LEVEL: 'verbose', PORT: '0x5DFE', DATABASE_URL: 'mongodb://user:p@ss@db' }), ['PORT', 'DATABASE_URL', 'LOG_LEVEL']);
});

test('DATA_DIR under /proc fails fast instead of hanging', { skip: process.platform !== 'linux' && 'needs /proc' }, async () => {
  const run = await runMain({ DATA_DIR: '/proc/streambot-data' });
  assertRefused(run, ['DATA_DIR']);
  assert.match(run.stderr, /\/proc exists but takes no new directories/);
});

test('DATA_DIR under a regular file', async () => {
  await withTempDir(async (dir) => {
    await writeFile(join(dir, 'file'), '');
    const run = await runMain({ DATA_DIR: join(dir, 'file', 'data') });
    assertRefused(run, ['DATA_DIR']);
    assert.match(run.stderr, /which is a file, not a directory/);
  });
});

test('DATA_DIR that is not writable', async () => {
  await withTempDir(async (dir) => {
    // root may write anywhere, so the run drops to nobody; others see a read-only directory.
    const asRoot = process.getuid?.() === 0;
    const data = join(dir, 'data');
    await mkdir(data);
    await chmod(dir, 0o755);
    await chmod(data, asRoot ? 0o755 : 0o555);
    try {
      const run = await runMain({ DATA_DIR: data }, asRoot ? { uid: 65534, gid: 65534 } : {});
      assertRefused(run, ['DATA_DIR']);
      assert.match(run.stderr, /is not writable \(EACCES\)/);
    } finally {
      await chmod(data, 0o755);
    }
  });
});

test('a foreign BIND_ADDRESS and a dead SANDBOX_URL are reported together', async () => {
  const local = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  const address = ['198.51.100.77', '203.0.113.77', '192.0.2.77'].find((a) => !local.has(a))!;
  const server = createServer();
  const port = await new Promise<number>((ok) => server.listen(0, '127.0.0.1', () => ok((server.address() as { port: number }).port)));
  await new Promise((ok) => server.close(ok));
  const run = await runMain({ BIND_ADDRESS: address, SANDBOX_URL: `http://127.0.0.1:${port}`, API_ID: '', API_HASH: '' });
  assertRefused(run, ['BIND_ADDRESS', 'SANDBOX_URL']);
  assert.match(run.stderr, /start it with npm run sandbox .*or unset SANDBOX_URL/);
});
