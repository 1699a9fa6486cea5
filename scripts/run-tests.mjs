// Runs every test/*.test.ts as an explicit file list (quoted globs are not expanded by Node 20's test runner)
// and fails when no test passed, so an empty or skipped suite never counts as green.
import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const files = only.length ? only : readdirSync(join(root, 'test')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join('test', f));
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
// --test-force-exit: gramjs keeps reconnect and update-loop timers alive after a client is destroyed.
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-force-exit', '--test-reporter=spec', ...files], { cwd: root, stdio: ['inherit', 'pipe', 'inherit'] });
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-4096);
});
child.on('exit', (code, signal) => {
  const count = (name) => Number(new RegExp(`^ℹ ${name} (\\d+)`, 'm').exec(tail)?.[1] ?? 0);
  const pass = count('pass');
  const fail = count('fail');
  const skipped = count('skipped');
  console.log(`\ntest summary: ${pass} passed, ${fail} failed, ${skipped} skipped, ${files.length} files`);
  if (pass === 0) {
    console.error('no test passed: a run that tests nothing counts as a failure');
    process.exit(1);
  }
  process.exit(signal ? 1 : code ?? 1);
});
