// Usage survives a crash: StreamBot (its own process, SQLite in a temporary DATA_DIR, against a sandbox DC in this
// process) is killed with SIGKILL mid-stream; the bandwidth the reopened store holds must cover what the client
// received, short of at most what one flush interval at the client's rate can carry and the one block whose write
// was under way (bytes are charged per block written).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { startControlServer } from '../src/sandbox/control-http.ts';
import { openStore } from '../src/store/index.ts';
import { MAX_BLOCK_SIZE } from '../src/streaming/block-plan.ts';
import { pace } from './support/paced-reader.ts';
import { servingPort } from './support/serving-port.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
const OWNER = 777;
const FLUSH_MS = 500;
/** The client reads at most this many bytes per second (paced like a player), so the server streams slowly. */
const RATE = 2 * MiB;
/** Bytes the client receives before StreamBot is killed; several flush intervals' worth at RATE. */
const KILL_AFTER = 6 * MiB;
const FILE_SIZE = 256 * MiB;

/** Starts StreamBot's own entry point; resolves with its HTTP port once it logs that it is serving. */
function startStreamBot(env: Record<string, string>): { child: ChildProcess; port: Promise<number>; log: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const port = servingPort(child, log);
  return { child, port, log };
}

/**
 * GETs `path` reading at most `rate` bytes per second; calls `onProgress` with the body bytes received so far.
 * Resolves with the body bytes received when the connection closes.
 */
function pacedGet(port: number, path: string, rate: number, onProgress: (bodyBytes: number) => void): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const pacer = pace(socket, rate);
    let raw = 0;
    let headerBytes = -1;
    let head = Buffer.alloc(0);
    const body = () => (headerBytes < 0 ? 0 : raw - headerBytes);
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.length;
      if (headerBytes < 0) {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end >= 0) {
          assert.match(head.subarray(0, 12).toString('latin1'), /^HTTP\/1\.1 200/);
          headerBytes = end + 4;
        }
      }
      onProgress(body());
      pacer.took(chunk.length);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      pacer.stop();
      resolve(body());
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  });
}

test('bandwidth recorded before a SIGKILL covers what the client received, less one flush interval and one block', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'streambot-usage-'));
  const sandbox = await new Sandbox().start();
  const control = new SandboxControl(sandbox);
  const { server: controlServer, url: controlUrl } = await startControlServer(control);
  let streambot: ChildProcess | undefined;
  try {
    const bot = control.createBot({ username: 'usage_bot' });
    const channel = control.createChannel({ title: 'log', admins: [bot.id] });
    const posted = control.postFile(channel.id, { fileName: 'long.bin', size: FILE_SIZE });
    const seed = await openStore({ dataDir, logger: pino({ level: 'silent' }) });
    const file = await seed.registerFile({ messageId: posted.messageId, userId: OWNER, fileName: 'long.bin', fileSize: FILE_SIZE, fileType: 'document', mimeType: 'application/octet-stream', isVideo: false });
    await seed.close();

    const started = startStreamBot({
      BOT_TOKEN: bot.token,
      LOG_CHANNEL: `-100${channel.id}`,
      SANDBOX_URL: controlUrl,
      PORT: '0',
      BIND_ADDRESS: '127.0.0.1',
      DATA_DIR: dataDir,
      USAGE_FLUSH_MS: String(FLUSH_MS),
      LOG_LEVEL: 'info',
    });
    streambot = started.child;
    const port = await started.port;

    let killedAt = -1;
    const exited = new Promise((r) => streambot!.once('exit', r));
    const received = await pacedGet(port, `/dl/${file.id}`, RATE, (bodyBytes) => {
      if (killedAt < 0 && bodyBytes >= KILL_AFTER) {
        killedAt = bodyBytes;
        streambot!.kill('SIGKILL');
      }
    });
    await exited;
    assert.ok(killedAt >= KILL_AFTER, `the client got ${received} body bytes before the connection closed:\n${started.log.join('\n')}`);
    assert.ok(received < FILE_SIZE, 'the stream was cut mid-body');

    const reopened = await openStore({ dataDir, logger: pino({ level: 'silent' }) });
    try {
      const recorded = (await reopened.getMonthlyUsage(OWNER)).bytes;
      // Lost with the process: bytes charged after the last flush (one interval's worth at the client's rate) and
      // the block whose write was still waiting on the client (charged when uWS has taken all of it).
      const allowance = (RATE * FLUSH_MS) / 1000 + MAX_BLOCK_SIZE;
      assert.ok(recorded >= received - allowance, `recorded ${recorded} of ${received} received (allowance ${allowance})`);
      assert.ok(recorded <= FILE_SIZE);
      assert.equal((await reopened.getMonthlyUsage(null)).bytes, recorded, 'the global total moved with it');
    } finally {
      await reopened.close();
    }
  } finally {
    if (streambot && streambot.exitCode === null && streambot.signalCode === null) streambot.kill('SIGKILL');
    controlServer.close();
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
