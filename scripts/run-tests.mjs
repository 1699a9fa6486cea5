// Runs every test/*.test.ts as an explicit file list (quoted globs are not expanded by Node 20's test runner)
// and fails when no test ran, so an empty or skipped suite never passes as green.
import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv.slice(2);
const files = (only.length ? only : readdirSync(join(root, 'test')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join('test', f)));
if (files.length === 0) {
  console.error('no test files found under test/');
  process.exit(1);
}
// Each run writes its own TAP file, so concurrent runs never read each other's results.
const tapFile = join(tmpdir(), `streambot-tests-${process.pid}-${Date.now()}.tap`);
// --test-force-exit: gramjs keeps reconnect/update-loop timers alive after a client is destroyed.
const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-force-exit', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', '--test-reporter-destination=' + tapFile, ...files], { cwd: root, stdio: 'inherit' });
child.on('exit', async (code, signal) => {
  const { readFileSync } = await import('node:fs');
  let tap = '';
  try { tap = readFileSync(tapFile, 'utf8'); } catch {}
  const pass = Number(/^# pass (\d+)/m.exec(tap)?.[1] ?? 0);
  const fail = Number(/^# fail (\d+)/m.exec(tap)?.[1] ?? 0);
  const skipped = Number(/^# skipped (\d+)/m.exec(tap)?.[1] ?? 0);
  console.log(`\ntest summary: ${pass} passed, ${fail} failed, ${skipped} skipped, ${files.length} files`);
  if (pass === 0) {
    console.error('no test passed: a run that tests nothing counts as a failure');
    process.exit(1);
  }
  process.exit(signal ? 1 : code ?? 1);
});
