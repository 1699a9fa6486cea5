// The main thread never loads gramjs: sessions live in worker threads and blocks arrive as transferred buffers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('the modules of the main thread (app, config, control client) do not load gramjs', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/main-thread-modules.ts'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').at(-1)!), []);
});

test('the check can fail: the sandbox module does load gramjs', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./src/sandbox/sandbox.ts'); const { createRequire } = await import('node:module'); const req = createRequire(process.cwd() + '/x.js'); console.log(Object.keys(req.cache).filter((k) => k.includes('/node_modules/telegram/')).length)"], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(Number(r.stdout.trim()) > 0);
});
