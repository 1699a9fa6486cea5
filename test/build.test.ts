// `npm run build` (scripts/build.mjs): the compiled tree runs with plain node and no TypeScript loader anywhere. It is
// built into a temporary directory whose node_modules holds every package of the repository's but tsx, so a main
// thread or worker thread that still reached for tsx would fail to load instead of passing unnoticed. The compiled
// app then serves a file from a sandbox DC through a session worker, and the compiled media-probe pool parses the
// sample video.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { startControlServer } from '../src/sandbox/control-http.ts';
import { servingPort } from './support/serving-port.ts';
// @ts-expect-error: a plain .mjs script without types
import { build, staleReason } from '../scripts/build.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'streambot-build-'));
const dist = join(work, 'dist');
const children = new Set<ChildProcess>();

before(() => {
  // Every package the app may load, as links, except tsx.
  mkdirSync(join(work, 'node_modules'));
  for (const name of readdirSync(join(root, 'node_modules'))) {
    if (name === 'tsx' || name === '.bin') continue;
    symlinkSync(join(root, 'node_modules', name), join(work, 'node_modules', name));
  }
  (build as (outDir: string) => void)(dist);
});

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

test('the build: JavaScript in the sources\' layout, imports rewritten to .js, the files read from disk beside it', () => {
  for (const f of ['src/main.js', 'actors/session/worker.js', 'actors/worker-shim.mjs', 'actors/errors.js', 'src/media-probe/worker-shim.mjs', 'src/media-probe/worker.js', 'src/player/assets/player.js', 'src/player/assets/player.css']) {
    assert.ok(existsSync(join(dist, f)), `${f} is built`);
  }
  const main = readFileSync(join(dist, 'src/main.js'), 'utf8');
  assert.match(main, /from "\.\/app\/app\.js"/);
  assert.doesNotMatch(main, /\.ts["']/, 'no import of a .ts file is left');
  assert.deepEqual(JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8')), { type: 'module' });
  assert.equal(existsSync(join(work, 'node_modules', 'tsx')), false);
});

test('a build is current until a source is newer than it', () => {
  const stale = staleReason as (outDir: string) => string | null;
  assert.equal(stale(dist), null);
  assert.match(stale(join(work, 'nothing-built')) ?? '', /no complete build/);
  const stamp = join(dist, '.build-stamp');
  const { atime, mtime } = statSync(stamp);
  try {
    utimesSync(stamp, new Date('2000-01-01'), new Date('2000-01-01'));
    assert.match(stale(dist) ?? '', /changed since the last build/);
  } finally {
    utimesSync(stamp, atime, mtime);
  }
  assert.equal(stale(dist), null);
});

test('the compiled media probe pool parses a video without tsx', () => {
  // A child without the test runner's tsx loader, importing the compiled pool's shim through piscina.
  const script = `
    import { Piscina } from 'piscina';
    import { readFileSync } from 'node:fs';
    const bytes = readFileSync(${JSON.stringify(join(root, 'samples', 'streambot-demo.mp4'))});
    const pool = new Piscina({ filename: ${JSON.stringify(join(dist, 'src/media-probe/worker-shim.mjs'))} });
    const info = await pool.run({ size: bytes.length, segments: [{ offset: 0, bytes: new Uint8Array(bytes) }] });
    await pool.destroy();
    process.stdout.write(JSON.stringify(info));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: work, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const info = JSON.parse(run.stdout) as { container: string; width?: number };
  assert.equal(info.container, 'mp4');
  assert.ok((info.width ?? 0) > 0);
});

test('the compiled app serves a file through its session worker, with no tsx to load', { timeout: 180_000 }, async () => {
  const sandbox = await new Sandbox().start();
  const control = new SandboxControl(sandbox);
  const { server: controlServer, url: controlUrl } = await startControlServer(control);
  try {
    const bot = control.createBot({ username: 'compiled_bot' });
    const channel = control.createChannel({ title: 'compiled', admins: [bot.id] });
    const file = control.postFile(channel.id, { fileName: 'compiled.bin', size: 3 * 1024 * 1024 + 17 });
    const env = { PATH: process.env.PATH ?? '', BOT_TOKEN: bot.token, LOG_CHANNEL: `-100${channel.id}`, SANDBOX_URL: controlUrl, PORT: '0', BIND_ADDRESS: '127.0.0.1', DATA_DIR: ':memory:', ALLOW_MESSAGE_IDS: '1', LOG_LEVEL: 'info' };
    const child = spawn(process.execPath, [join(dist, 'src/main.js')], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const log: string[] = [];
    const port = await servingPort(child, log);
    const res = await fetch(`http://127.0.0.1:${port}/dl/${file.messageId}`, { signal: AbortSignal.timeout(60_000) });
    assert.equal(res.status, 200, log.join('\n'));
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(body.length, file.size);
    assert.ok(body.equals(control.fileBytes(file.documentId, 0, file.size)), 'the bytes are the file\'s');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((ok) => child.once('exit', ok));
    assert.equal(code, 0, log.join('\n'));
    assert.doesNotMatch(log.join('\n'), /tsx/);
  } finally {
    controlServer.close();
    await sandbox.stop();
  }
});
