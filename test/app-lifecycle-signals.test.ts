// The process's answers to signals and fatal errors: a signal drains (with the grace) and exits 0, a second signal
// exits at once, a fatal error cleans up without grace and exits 1, and a cleanup that hangs still ends in exit 1.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { handleProcessLifecycle } from '../src/app/process-signals.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const GRACE = 30_000;

/** The handlers on a stand-in process, with a shutdown the test ends by hand. */
function setup(t: TestContext, bound = 20_000) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const proc = new EventEmitter();
  const exits: number[] = [];
  const calls: number[] = [];
  let finish!: (ok: boolean) => void;
  const lines: { level: number; msg: string; origin?: string }[] = [];
  const handle = handleProcessLifecycle({
    proc: proc as unknown as NodeJS.Process,
    exit: (code) => void exits.push(code),
    graceMs: GRACE,
    cleanupBoundMs: bound,
    logger: pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) }),
    shutdown: (graceMs) => {
      calls.push(graceMs);
      return new Promise<void>((resolve, reject) => (finish = (ok) => (ok ? resolve() : reject(new Error('store close failed')))));
    },
  });
  t.after(() => handle.dispose());
  return { proc, exits, calls, lines, finish: (ok = true) => finish(ok), tick: (ms: number) => t.mock.timers.tick(ms) };
}
const settle = () => new Promise<void>((r) => setImmediate(r));

test('SIGTERM: the shutdown gets the grace period, then exit 0', async (t) => {
  const s = setup(t);
  s.proc.emit('SIGTERM', 'SIGTERM');
  assert.deepEqual(s.calls, [GRACE]);
  assert.deepEqual(s.exits, [], 'no exit before the cleanup ends');
  s.finish();
  await settle();
  assert.deepEqual(s.exits, [0]);
});

test('a second signal exits at once with 128 + its number', (t) => {
  const s = setup(t);
  s.proc.emit('SIGTERM', 'SIGTERM');
  s.proc.emit('SIGINT', 'SIGINT');
  assert.deepEqual(s.exits, [130]);
  assert.deepEqual(s.calls, [GRACE], 'the cleanup was not started twice');
});

test('an uncaught exception: logged, cleanup without grace, exit 1', async (t) => {
  const s = setup(t);
  s.proc.emit('uncaughtException', new Error('boom'));
  assert.deepEqual(s.calls, [0]);
  const fatal = s.lines.find((l) => l.level === 60);
  assert.equal(fatal?.origin, 'uncaughtException');
  s.finish();
  await settle();
  assert.deepEqual(s.exits, [1]);
});

test('an unhandled rejection during a graceful shutdown turns its exit code to 1', async (t) => {
  const s = setup(t);
  s.proc.emit('SIGTERM', 'SIGTERM');
  s.proc.emit('unhandledRejection', new Error('late'));
  assert.deepEqual(s.calls, [GRACE], 'the shutdown under way goes on');
  s.finish();
  await settle();
  assert.deepEqual(s.exits, [1]);
});

test('a failed cleanup exits 1', async (t) => {
  const s = setup(t);
  s.proc.emit('SIGTERM', 'SIGTERM');
  s.finish(false);
  await settle();
  assert.deepEqual(s.exits, [1]);
});

test('a cleanup that does not end in grace + bound exits 1', (t) => {
  const s = setup(t, 20_000);
  s.proc.emit('SIGTERM', 'SIGTERM');
  s.tick(GRACE + 20_000 - 1);
  assert.deepEqual(s.exits, []);
  s.tick(1);
  assert.deepEqual(s.exits, [1]);
});

/** The fixture in its own process: exit code and log lines. */
function runFixture(mode: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; msgs: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/lifecycle-fatal.ts', mode], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, msgs: out.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg) });
    });
  });
}

for (const [mode, origin] of [['throw', 'thrown on purpose'], ['reject', 'rejected on purpose']] as const) {
  test(`a real process: ${origin} is logged, the cleanup runs, exit 1`, async () => {
    const run = await runFixture(mode);
    assert.deepEqual({ code: run.code, signal: run.signal }, { code: 1, signal: null });
    assert.deepEqual(run.msgs, ['fatal error; cleaning up and exiting', 'cleanup started', 'cleanup ran', 'StreamBot stopped']);
  });
}

test('a real process whose cleanup hangs still exits 1', async () => {
  const run = await runFixture('hang');
  assert.deepEqual({ code: run.code, signal: run.signal }, { code: 1, signal: null });
  assert.deepEqual(run.msgs, ['fatal error; cleaning up and exiting', 'cleanup started', 'shutdown did not finish in time; exiting']);
});
