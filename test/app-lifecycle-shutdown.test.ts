// SIGTERM on StreamBot's own process (src/main.ts against a sandbox DC in this process): it drains at once (/readyz
// 503, new file requests 503 with Retry-After), lets the live streams finish byte-exact and exits 0. A second signal
// exits at once with a non-zero code.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { startControlServer } from '../src/sandbox/control-http.ts';
import { pace, type Pacer } from './support/paced-reader.ts';
import { get } from './support/http-fetch.ts';
import { servingPort } from './support/serving-port.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const MiB = 1 << 20;
const FILE_SIZE = 16 * MiB;
/** Each stream reads this much before it is held, so it is well under way and far from its end at SIGTERM. */
const HOLD_AT = 256 * 1024;
const RATE = 4 * MiB;

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const { server: controlServer, url: controlUrl } = await startControlServer(control);
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  controlServer.close();
  await sandbox.stop();
});

interface Running {
  child: ChildProcess;
  port: number;
  log: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** src/main.ts against the sandbox; resolves once it logs that it is serving. */
async function startStreamBot(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const log: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await servingPort(child, log);
  return { child, port, log, exited };
}

function world(name: string) {
  const bot = control.createBot({ username: `${name}_bot` });
  const channel = control.createChannel({ title: name, admins: [bot.id] });
  const file = control.postFile(channel.id, { fileName: `${name}.bin`, size: FILE_SIZE });
  const env = {
    BOT_TOKEN: bot.token,
    LOG_CHANNEL: `-100${channel.id}`,
    SANDBOX_URL: controlUrl,
    PORT: '0',
    BIND_ADDRESS: '127.0.0.1',
    DATA_DIR: ':memory:',
    ALLOW_MESSAGE_IDS: '1',
    MAX_STREAMS: '64',
    MAX_STREAMS_PER_IP: '64',
    // Held readers must not be taken for stalled ones, and a busy machine may be slow to produce first bytes.
    HTTP_IDLE_TIMEOUT_MS: '300000',
    HEADERS_TIMEOUT_SECONDS: '60',
    // Long enough that only the streams ending (or a second signal) can end the drain within the test.
    SHUTDOWN_GRACE_SECONDS: '600',
    LOG_LEVEL: 'info',
  };
  return { file, env };
}

/** A GET read at RATE that holds (stops reading) once HOLD_AT body bytes are in, until released. */
class HeldStream {
  received = 0;
  status = 0;
  readonly #hash = createHash('sha256');
  readonly #socket: net.Socket;
  readonly #pacer: Pacer;
  #held = false;
  #onHold?: () => void;
  readonly holding: Promise<void>;
  readonly closed: Promise<{ bytes: number; sha: string }>;

  constructor(port: number, path: string) {
    this.#socket = net.connect(port, '127.0.0.1');
    this.#pacer = pace(this.#socket, RATE);
    this.holding = new Promise((resolve) => (this.#onHold = resolve));
    let head: Buffer | null = Buffer.alloc(0);
    this.closed = new Promise((resolve) => {
      this.#socket.on('close', () => {
        this.#pacer.stop();
        resolve({ bytes: this.received, sha: this.#hash.digest('hex') });
      });
    });
    this.#socket.on('error', () => {});
    this.#socket.on('data', (chunk: Buffer) => {
      let body = chunk;
      if (head) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        this.status = Number(head.subarray(9, 12).toString('latin1'));
        body = head.subarray(end + 4);
        head = null;
      }
      this.received += body.length;
      this.#hash.update(body);
      if (this.#onHold && this.received >= HOLD_AT) {
        this.#held = true;
        this.#pacer.stop();
        this.#socket.pause();
        this.#onHold();
        this.#onHold = undefined;
      } else if (!this.#held) {
        this.#pacer.took(chunk.length);
      }
    });
    this.#socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  }

  release(): void {
    this.#held = false;
    this.#socket.resume();
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('SIGTERM: /readyz and new requests answer 503 at once, 20 live streams finish byte-exact, exit 0', { timeout: 300_000 }, async () => {
  const { file, env } = world('drain');
  const app = await startStreamBot(env);
  const base = `http://127.0.0.1:${app.port}`;
  assert.equal((await get(`${base}/readyz`)).status, 200, 'ready before the signal');
  const streams = Array.from({ length: 20 }, () => new HeldStream(app.port, `/dl/${file.messageId}`));
  await Promise.all(streams.map((s) => s.holding));
  for (const s of streams) {
    assert.equal(s.status, 200);
    assert.ok(s.received < FILE_SIZE, 'the stream is still running at the signal');
  }

  app.child.kill('SIGTERM');
  // Drain mode starts in the signal's tick, so the first probe after it already sees it.
  await poll(async () => (await get(`${base}/healthz`)).status === 200 && app.log.some((l) => l.includes('"draining: new file requests get 503')));
  const ready = await get(`${base}/readyz`);
  assert.equal(ready.status, 503);
  assert.deepEqual(JSON.parse(ready.body.toString()), { ok: false, detail: { draining: true } });
  const refused = await get(`${base}/dl/${file.messageId}`);
  assert.equal(refused.status, 503);
  assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After on the refusal');
  assert.equal((await get(`${base}/healthz`)).status, 200, '/healthz keeps answering while draining');
  assert.equal(app.child.exitCode, null, 'still running while streams are held');

  for (const s of streams) s.release();
  const expected = sha(control.fileBytes(file.documentId, 0, FILE_SIZE));
  for (const result of await Promise.all(streams.map((s) => s.closed))) {
    assert.equal(result.bytes, FILE_SIZE);
    assert.equal(result.sha, expected);
  }
  const exit = await app.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, app.log.join('\n'));
  const drained = app.log.map((l) => JSON.parse(l.startsWith('{') ? l : '{}') as { msg?: string; drained?: boolean; streamsAtStart?: number }).find((e) => e.msg === 'streams drained; closing');
  assert.equal(drained?.drained, true);
  assert.equal(drained?.streamsAtStart, 20);
});

test('a second SIGTERM while draining exits at once with a non-zero code', { timeout: 300_000 }, async () => {
  const { file, env } = world('twice');
  const app = await startStreamBot(env);
  const base = `http://127.0.0.1:${app.port}`;
  const streams = Array.from({ length: 2 }, () => new HeldStream(app.port, `/dl/${file.messageId}`));
  await Promise.all(streams.map((s) => s.holding));

  app.child.kill('SIGTERM');
  await poll(async () => (await get(`${base}/readyz`)).status === 503);
  // The held streams keep the drain waiting (its grace is 600 s): only the second signal can end the process now.
  app.child.kill('SIGTERM');
  const exit = await app.exited;
  assert.equal(exit.signal, null, 'exited by itself');
  assert.notEqual(exit.code, 0);
  assert.equal(exit.code, 128 + 15);
  for (const s of streams) s.release();
  for (const result of await Promise.all(streams.map((s) => s.closed))) assert.ok(result.bytes < FILE_SIZE, 'the streams were cut');
});

/** Polls until check() is true; a generous deadline, since CI machines are busy. */
async function poll(check: () => Promise<boolean>, deadlineMs = 60_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 50));
  }
}
