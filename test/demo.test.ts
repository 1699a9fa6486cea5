// `npm run demo` on a fresh data directory, as a person runs it: the bot's reply is printed, its links answer in a
// browser's way, the printed curl commands talk to the bot, and Ctrl-C stops StreamBot and the sandbox DC cleanly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SAMPLE_PATH, demoSample } from '../src/demo/sample.ts';
import { freshDataDir } from '../src/demo/data-dir.ts';

const DEADLINE_MS = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'streambot-demo-'));
let demo: ChildProcess | undefined;
let stdout = '';
let stderr = '';

after(async () => {
  // Only when the test failed half-way: SIGTERM takes the demo's own shutdown, which also stops the DC.
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    process.kill(-demo.pid!, 'SIGTERM');
    const killer = setTimeout(() => process.kill(-demo!.pid!, 'SIGKILL'), 20_000);
    await new Promise((r) => demo!.once('exit', r));
    clearTimeout(killer);
  }
  rmSync(dir, { recursive: true, force: true });
});

const output = () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`;

async function until<T>(read: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (demo?.exitCode !== null) throw new Error(`the demo exited (code ${demo?.exitCode}) before ${what}\n${output()}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${DEADLINE_MS / 1000} s\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function printed(label: string): string {
  const m = new RegExp(`^ +${label}: +(http://127\\.0\\.0\\.1:\\d+/\\S+)$`, 'm').exec(stdout);
  assert.ok(m, `the demo prints the ${label} link\n${output()}`);
  return m[1]!;
}

/** The curl command printed for a control method, as the request it makes. */
function printedCurl(method: string): { url: string; body: string } {
  const m = new RegExp(`^ +curl -s (http://127\\.0\\.0\\.1:\\d+/control/${method}) -H 'content-type: application/json' -d '(.*)'$`, 'm').exec(stdout);
  assert.ok(m, `the demo prints a curl command for ${method}\n${output()}`);
  return { url: m[1]!, body: m[2]! };
}

const post = async ({ url, body }: { url: string; body: string }) => {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 200, `${url} ${body}`);
  return ((await res.json()) as { result: any }).result;
};

test('the demo: a user sends a video, the bot answers with links that play, Ctrl-C stops everything', async () => {
  // Its own process group, as a terminal gives it: the SIGINT below is what Ctrl-C sends.
  demo = spawn(process.execPath, ['--import', 'tsx', 'src/demo.ts'], { env: { ...process.env, PORT: '0', DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  demo.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  demo.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => demo!.once('exit', (code, signal) => r({ code, signal })));
  await until(() => (stdout.includes('Press Ctrl+C to stop.') ? true : undefined), 'ready line');

  assert.match(stdout, /The bot replied:\n\n {2}✅ Your link is ready\n/);
  assert.match(stdout, /\[⬇️ Download\] \[▶️ Stream\] \[🎬 Player\]/, 'the reply carries the links as buttons');
  assert.match(stdout, /^check: .* → 206, 65536 bytes, byte-exact$/m);
  assert.doesNotMatch(stdout + stderr, /\d{6,}:[A-Za-z0-9_-]{30,}/, 'no bot token printed');
  const sample = readFileSync(SAMPLE_PATH);

  const download = printed('Download');
  assert.match(download, /\/dl\/[A-Za-z0-9_-]+\/streambot-demo\.mp4$/);
  const whole = await fetch(download);
  assert.equal(whole.status, 200);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(sample), 'the download is the sample, byte for byte');

  const stream = printed('Stream');
  const ranged = await fetch(stream, { headers: { range: 'bytes=1000-4999' } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get('content-range'), `bytes 1000-4999/${sample.length}`);
  assert.equal(ranged.headers.get('content-type'), 'video/mp4');
  assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(sample.subarray(1000, 5000)));

  const watch = printed('Player \\(watch page\\)');
  assert.match(watch, /\/watch\/[A-Za-z0-9_-]+\/streambot-demo\.mp4$/);
  const page = await fetch(watch);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<video\b/);

  // The printed commands work as printed: /myfiles lists the video sent.
  const read = printedCurl('messagesFromBot');
  const before = ((await post(read)) as unknown[]).length;
  await post(printedCurl('userSendsText'));
  await until(async () => {
    const msgs = (await post(read)) as { text: string }[];
    return msgs.length > before && msgs.at(-1)!.text.includes('streambot-demo.mp4') ? true : undefined;
  }, 'answer to /myfiles');

  const controlInfo = new URL('/info', read.url).href;
  process.kill(-demo.pid!, 'SIGINT');
  const end = await Promise.race([exited, new Promise<never>((_, fail) => setTimeout(() => fail(new Error(`the demo did not stop after SIGINT\n${output()}`)), DEADLINE_MS).unref())]);
  assert.deepEqual(end, { code: 0, signal: null }, output());
  await assert.rejects(fetch(controlInfo), 'the sandbox DC stopped with the demo');
});

test('each run starts on an empty database: the default directory is emptied of it, a chosen DATA_DIR is refused', () => {
  const base = join(dir, 'data-dir');
  const own = join(base, 'demo');
  mkdirSync(own, { recursive: true });
  for (const name of ['streambot.db', 'streambot.db-wal', 'notes.txt']) writeFileSync(join(own, name), 'x');
  assert.equal(freshDataDir(undefined, own), own);
  assert.deepEqual([existsSync(join(own, 'streambot.db')), existsSync(join(own, 'streambot.db-wal')), existsSync(join(own, 'notes.txt'))], [false, false, true]);

  const chosen = join(base, 'chosen');
  assert.equal(freshDataDir(chosen, own), chosen, 'a new directory is made');
  writeFileSync(join(chosen, 'streambot.db'), 'x');
  assert.throws(() => freshDataDir(chosen, own), /DATA_DIR=.*chosen already holds .*streambot\.db/);
  assert.ok(existsSync(join(chosen, 'streambot.db')), 'a chosen directory is never emptied');
});

test('the sample is a real video, its facts read from its own headers', () => {
  assert.deepEqual(demoSample(), { path: SAMPLE_PATH, fileName: 'streambot-demo.mp4', mimeType: 'video/mp4', size: readFileSync(SAMPLE_PATH).length, duration: 24, width: 640, height: 360 });
  const notVideo = join(dir, 'not-video.mp4');
  writeFileSync(notVideo, Buffer.alloc(4096, 7));
  assert.throws(() => demoSample(notVideo), /not-video\.mp4 is not an MP4/);
  assert.throws(() => demoSample(join(dir, 'missing.mp4')), /missing\.mp4 cannot be read/);
});
