// The three processes of a bench run: the sandbox DC, StreamBot started the way production starts it, and a load
// generator. Each is its own OS process so /proc tells their CPU and memory apart. None outlives the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { controlClient, type ControlClient } from '../../src/sandbox/control-client.ts';
import type { SandboxEndpoint } from '../../src/sandbox/client.ts';
// @ts-expect-error: a plain .mjs script without types
import { ensureBuilt } from '../../scripts/build.mjs';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

export async function stopChild(child: ChildProcess | undefined, ms = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited(child);
  clearTimeout(timer);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A .ts entry run under tsx (the sandbox, the load generator, and StreamBot's sources for a comparison). */
function spawnTs(entry: string, args: string[], env: NodeJS.ProcessEnv, stdio: 'pipe' | 'log', logPath?: string): ChildProcess {
  return spawnNode(['--import', 'tsx', entry, ...args], env, stdio, logPath);
}

function spawnNode(nodeArgs: string[], env: NodeJS.ProcessEnv, stdio: 'pipe' | 'log', logPath?: string): ChildProcess {
  const child = track(spawn(process.execPath, nodeArgs, { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  if (stdio === 'log' && logPath) {
    const log = createWriteStream(logPath);
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
  } else {
    child.stderr!.pipe(process.stderr);
  }
  return child;
}

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise<string>((ok, fail) => {
    const onExit = (code: number | null) => fail(new Error(`${what} exited with code ${code} before it printed its first line`));
    child.once('exit', onExit);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      child.off('exit', onExit);
      ok(line);
    });
  });
}

export interface SandboxProcess {
  pid: number;
  endpoint: SandboxEndpoint;
  controlUrl: string;
  control: ControlClient;
  stop(): Promise<void>;
}

export async function startSandbox(): Promise<SandboxProcess> {
  const child = spawnTs('src/sandbox/main.ts', [], {}, 'pipe');
  const { sandbox: endpoint, control: controlUrl } = JSON.parse(await firstLine(child, 'the sandbox DC')) as { sandbox: SandboxEndpoint; control: string };
  return { pid: child.pid!, endpoint, controlUrl, control: controlClient(controlUrl), stop: () => stopChild(child) };
}

export interface StreamBotProcess {
  pid: number;
  base: string;
  apiToken: string;
  logPath: string;
  /** Rejects when the process exits before stop(). */
  died: Promise<never>;
  stop(): Promise<void>;
}

export interface StreamBotOptions {
  sandbox: SandboxProcess;
  tokens: string[];
  channelId: string;
  /** More environment, over the bench's defaults. */
  env?: Record<string, string>;
}

export const BENCH_API_TOKEN = 'bench-api-token-0123456789abcdef';

/**
 * StreamBot as `npm start` runs it (the compiled app, `node dist/src/main.js`, built first when dist/ is missing or
 * older than the sources; configured by environment variables), with limits meant for one user opened up: every
 * bench client is 127.0.0.1. Resolves once every session is ready. BENCH_STREAMBOT_RUNTIME=tsx runs the sources under
 * tsx instead, to compare.
 */
export async function startStreamBot(o: StreamBotOptions): Promise<StreamBotProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'streambot-bench-'));
  const logPath = join(dir, 'streambot.log');
  const underTsx = process.env.BENCH_STREAMBOT_RUNTIME === 'tsx';
  if (!underTsx) (ensureBuilt as () => string)();
  const child = spawnNode(underTsx ? ['--import', 'tsx', 'src/main.ts'] : ['dist/src/main.js'], {
    BOT_TOKEN: o.tokens[0]!,
    ADDITIONAL_BOT_TOKENS: o.tokens.slice(1).join(','),
    LOG_CHANNEL: `-100${o.channelId}`,
    SANDBOX_URL: o.sandbox.controlUrl,
    PORT: String(port),
    BIND_ADDRESS: '127.0.0.1',
    DATA_DIR: join(dir, 'data'),
    ALLOW_MESSAGE_IDS: '1',
    API_TOKEN: BENCH_API_TOKEN,
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_STREAMS: '4096',
    MAX_STREAMS_PER_IP: '4096',
    BANDWIDTH_LIMIT_GB: '0',
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    ...o.env,
  }, 'log', logPath);
  let stopping = false;
  const died = exited(child).then(() => {
    if (stopping) return new Promise<never>(() => {});
    throw new Error(`StreamBot exited (code ${child.exitCode}, signal ${child.signalCode}); its log: ${logPath}`);
  });
  died.catch(() => {});
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  for (;;) {
    const ready = await Promise.race([
      fetch(`${base}/api/sessions`, { headers: { authorization: `Bearer ${BENCH_API_TOKEN}` } })
        .then(async (r) => (r.ok ? ((await r.json()) as { summary: { ready: number; total: number } }).summary : null))
        .then((s) => s !== null && s.total === o.tokens.length && s.ready === s.total, () => false),
      died,
    ]);
    if (ready) break;
    if (performance.now() - t0 > 120_000) throw new Error(`StreamBot's sessions were not all ready within 120 s; its log: ${logPath}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!, base, apiToken: BENCH_API_TOKEN, logPath, died,
    stop: async () => {
      stopping = true;
      await stopChild(child, 40_000);
    },
  };
}

/** A process that runs `entry` (a .ts file) with one JSON argument and answers one JSON line on stdout. */
export interface JsonProcess<R> {
  pid: number;
  result: Promise<R>;
  stop(): Promise<void>;
}

export function runJsonProcess<R>(entry: string, spec: unknown): JsonProcess<R> {
  const child = spawnTs(entry, [JSON.stringify(spec)], {}, 'pipe');
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  const result = exited(child).then(() => {
    const last = out.trim().split('\n').pop() ?? '';
    if (child.exitCode !== 0 || !last) throw new Error(`${entry} exited with code ${child.exitCode}, signal ${child.signalCode}: ${out.slice(-500)}`);
    return JSON.parse(last) as R;
  });
  return { pid: child.pid!, result, stop: () => stopChild(child) };
}

/** A process that prints one JSON line when it is up, then serves until stopped. */
export async function startJsonServer<R>(entry: string, spec: unknown): Promise<{ pid: number; info: R; stop(): Promise<void> }> {
  const child = spawnTs(entry, [JSON.stringify(spec)], {}, 'pipe');
  const info = JSON.parse(await firstLine(child, entry)) as R;
  return { pid: child.pid!, info, stop: () => stopChild(child) };
}
