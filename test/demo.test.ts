// `npm run demo` on a fresh data directory: sandbox DC + SQLite, prints a link and checks it byte-exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('the demo starts everything, prints a stream link and verifies it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streambot-demo-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/demo.ts', '--check'], { env: { ...process.env, PORT: '0', DATA_DIR: dir }, encoding: 'utf8', timeout: 90_000 });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /byte-exact/);
    assert.match(r.stdout, /Stream \(plays and seeks in a browser\): http:\/\/127\.0\.0\.1:\d+\/stream\/[A-Za-z0-9_-]+\/sample-sweep\.wav/);
    assert.doesNotMatch(r.stdout + r.stderr, /\d{6,}:[A-Za-z0-9_-]{30,}/, 'no bot token printed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
