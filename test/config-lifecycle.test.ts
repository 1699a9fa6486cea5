// SHUTDOWN_GRACE_SECONDS and MEMORY_LIMIT_MB: defaults, accepted values, and bad values refused by name, by the
// configuration (config.lifecycle) and by `npm start` (exit 2, listed with the configuration's other problems).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError } from '../src/config/index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const base = { BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr', API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' };
const readLifecycleSettings = (env: Record<string, string>) => loadConfig({ ...base, ...env }).lifecycle;

test('defaults: 30 s of grace, no memory limit', () => {
  assert.deepEqual(readLifecycleSettings({}), { shutdownGraceMs: 30_000, memoryLimitBytes: null });
  assert.deepEqual(readLifecycleSettings({ SHUTDOWN_GRACE_SECONDS: '', MEMORY_LIMIT_MB: ' ' }), { shutdownGraceMs: 30_000, memoryLimitBytes: null });
});

test('values are taken', () => {
  assert.deepEqual(readLifecycleSettings({ SHUTDOWN_GRACE_SECONDS: '0', MEMORY_LIMIT_MB: '512' }), { shutdownGraceMs: 0, memoryLimitBytes: 512 * 1024 * 1024 });
  assert.equal(readLifecycleSettings({ SHUTDOWN_GRACE_SECONDS: '3600' }).shutdownGraceMs, 3_600_000);
});

test('bad values are all named at once', () => {
  for (const [grace, memory] of [['-1', '64'], ['30s', '1e3'], ['3601', 'lots'], ['1.5', '0']]) {
    assert.throws(() => readLifecycleSettings({ SHUTDOWN_GRACE_SECONDS: grace, MEMORY_LIMIT_MB: memory }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      const lines = err.message.split('\n');
      assert.equal(lines.length, 2, err.message);
      assert.equal(lines[0], `SHUTDOWN_GRACE_SECONDS must be a whole number of seconds from 0 to 3600, decimal digits only (got "${grace}")`);
      assert.equal(lines[1], `MEMORY_LIMIT_MB must be a whole number of MiB from 128 to 1048576, decimal digits only (got "${memory}")`);
      return true;
    });
  }
});

test('npm start refuses a bad SHUTDOWN_GRACE_SECONDS with exit 2, with the other problems', async () => {
  const env = { PATH: process.env.PATH ?? '', BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr', API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890', PORT: 'eighty', DATA_DIR: ':memory:', SHUTDOWN_GRACE_SECONDS: 'soon' };
  const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr });
    });
  });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /^StreamBot cannot start:\n/);
  assert.match(run.stderr, /^- PORT /m);
  assert.match(run.stderr, /^- SHUTDOWN_GRACE_SECONDS must be a whole number of seconds from 0 to 3600, decimal digits only \(got "soon"\)$/m);
});
