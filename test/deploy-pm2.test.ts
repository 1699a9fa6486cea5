// StreamBot under pm2 (ecosystem.config.cjs) with a private pm2 daemon: it serves /healthz against a sandbox DC, and
// after a `kill -9` of its process pm2 starts it again and it serves again. The daemon is killed at the end whatever
// happened.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { startControlServer } from '../src/sandbox/control-http.ts';
import { freePort } from '../src/app/free-port.ts';
// @ts-expect-error: a plain .mjs script without types
import { ensureBuilt } from '../scripts/build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pm2Bin = join(root, 'node_modules', 'pm2', 'bin', 'pm2');
const ecosystem = join(root, 'ecosystem.config.cjs');

interface Pm2Process { name: string; pid: number; pm2_env: { status: string; restart_time: number; exec_mode: string; exp_backoff_restart_delay?: number; kill_timeout?: number } }

/** The environment without the test runner's own markers, which the daemon would hand down to StreamBot. */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function pm2(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [pm2Bin, ...args], { cwd: root, env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`pm2 ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function jlist(env: NodeJS.ProcessEnv): Promise<Pm2Process[]> {
  const out = await pm2(env, 'jlist');
  return JSON.parse(out.slice(out.indexOf('['))) as Pm2Process[];
}

async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>, context: () => string): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${deadlineMs / 1000} s\n${context()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function healthz(port: number): Promise<true | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
  const body = await res.text();
  return res.status === 200 && body.trim() === 'ok' ? true : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// pm2 runs the compiled app, as production does: built here when dist/ is missing or older than the sources.
before(() => (ensureBuilt as () => string)(), { timeout: 300_000 });

test('the ecosystem file: one forked process, kill_timeout after the grace period, settings named when bad', () => {
  const load = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(ecosystem)}).apps))`], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  const defaults = load({});
  assert.equal(defaults.status, 0, defaults.stderr);
  const [app, ...more] = JSON.parse(defaults.stdout) as Record<string, unknown>[];
  assert.equal(more.length, 0);
  assert.equal(app!.exec_mode, 'fork');
  assert.equal(app!.script, 'node');
  assert.deepEqual(app!.args, ['dist/src/main.js'], 'the compiled app, no TypeScript loader');
  assert.equal(app!.instances, 1);
  assert.equal(app!.kill_timeout, 40_000);
  assert.equal(app!.max_memory_restart, '1536M');
  assert.equal(typeof app!.exp_backoff_restart_delay, 'number');
  assert.match(String(app!.out_file), /\/logs\/streambot\.out\.log$/);

  const [tuned] = JSON.parse(load({ SHUTDOWN_GRACE_SECONDS: '5', MAX_MEMORY_RESTART: '2G' }).stdout) as Record<string, unknown>[];
  assert.equal(tuned!.kill_timeout, 15_000);
  assert.equal(tuned!.max_memory_restart, '2G');
  const [limited] = JSON.parse(load({ MEMORY_LIMIT_MB: '1024' }).stdout) as Record<string, unknown>[];
  assert.equal(limited!.max_memory_restart, '1280M', 'a quarter above the limit StreamBot keeps itself under');

  const bad = load({ SHUTDOWN_GRACE_SECONDS: '30s' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /SHUTDOWN_GRACE_SECONDS must be a whole number of seconds/);
  assert.match(load({ MAX_MEMORY_RESTART: '1.5G' }).stderr, /MAX_MEMORY_RESTART must be bytes or a number with K, M or G/);
});

test('the ecosystem file beside no build says to build first', () => {
  const bare = mkdtempSync(join(tmpdir(), 'streambot-pm2-unbuilt-'));
  try {
    copyFileSync(ecosystem, join(bare, 'ecosystem.config.cjs'));
    const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(join(bare, 'ecosystem.config.cjs'))})`], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /dist\/src\/main\.js is missing: run `npm run build` first/);
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

let sandbox: Sandbox;
let controlServer: { close(): unknown };
let controlUrl: string;
let control: SandboxControl;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'streambot-pm2-'));
  sandbox = await new Sandbox().start();
  control = new SandboxControl(sandbox);
  ({ server: controlServer, url: controlUrl } = await startControlServer(control));
});

after(async () => {
  controlServer?.close();
  await sandbox?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('pm2 restarts StreamBot after kill -9 and it serves /healthz again', { timeout: 240_000 }, async () => {
  const bot = control.createBot({ username: 'pm2_bot' });
  const channel = control.createChannel({ title: 'log', admins: [bot.id] });
  const port = await freePort('127.0.0.1');
  const logDir = join(dir, 'logs');
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    PM2_HOME: join(dir, 'pm2'),
    LOG_DIR: logDir,
    BOT_TOKEN: bot.token,
    LOG_CHANNEL: `-100${channel.id}`,
    SANDBOX_URL: controlUrl,
    PORT: String(port),
    BIND_ADDRESS: '127.0.0.1',
    DATA_DIR: join(dir, 'data'),
    LOG_LEVEL: 'info',
  };
  const logs = () =>
    existsSync(logDir) ? readdirSync(logDir).map((f) => `--- ${f}\n${readFileSync(join(logDir, f), 'utf8').slice(-4000)}`).join('\n') : '(no log directory)';
  try {
    await pm2(env, 'start', ecosystem);
    await until('the first /healthz', 90_000, () => healthz(port), logs);

    const [first] = (await jlist(env)).filter((p) => p.name === 'streambot');
    assert.ok(first, 'pm2 lists streambot');
    assert.equal(first.pm2_env.status, 'online');
    assert.equal(first.pm2_env.exec_mode, 'fork_mode');
    assert.ok(first.pid > 0 && alive(first.pid));

    process.kill(first.pid, 'SIGKILL');
    const second = await until(
      'a new StreamBot process',
      60_000,
      async () => {
        const p = (await jlist(env)).find((x) => x.name === 'streambot');
        return p && p.pm2_env.status === 'online' && p.pid > 0 && p.pid !== first.pid && p.pm2_env.restart_time > first.pm2_env.restart_time ? p : undefined;
      },
      logs,
    );
    assert.equal(alive(first.pid), false, 'the killed process is gone, so what answers is the new one');
    await until('/healthz after the restart', 90_000, () => healthz(port), logs);
    assert.equal((await jlist(env)).find((x) => x.name === 'streambot')?.pid, second.pid, 'no further restart happened meanwhile');

    // pm2 writes StreamBot's output where the ecosystem file says: one "serving" line per start.
    const out = readFileSync(join(logDir, 'streambot.out.log'), 'utf8');
    assert.equal(out.match(/"msg":"StreamBot is serving"/g)?.length, 2, logs());
  } finally {
    await pm2(env, 'kill').catch((err: Error) => console.error(err.message));
  }
});
