// `npm run bench -- --quick` as CI runs it: every scenario runs to its end and reports every figure it names. How
// fast anything is stays in the bench's results; nothing here compares a rate or a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS } from '../bench/scenarios/index.ts';
import type { ScenarioReport } from '../bench/lib/scenario.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('the quick bench runs every scenario and each produces all its figures', { timeout: 20 * 60_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'streambot-bench-quick-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--out', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', resolve);
  });
  const files = readdirSync(out);
  const json = files.find((f) => f.endsWith('-quick.json'));
  assert.ok(json, `a JSON result was written (got ${files.join(', ')})`);
  assert.ok(files.some((f) => f.endsWith('-quick.md')), 'and its Markdown');
  const run = JSON.parse(readFileSync(join(out, json), 'utf8')) as { quick: boolean; node: string; cores: number; scenarios: ScenarioReport[] };
  assert.equal(run.quick, true);
  assert.equal(run.node, process.version);
  assert.deepEqual(run.scenarios.map((s) => s.name), SCENARIOS.map((s) => s.name), 'every scenario, in order');
  for (const s of run.scenarios) {
    assert.deepEqual(s.missing, [], `${s.name}: every figure produced`);
    assert.ok(s.tables.length > 0 && s.tables.every((tb) => tb.rows.length > 0), `${s.name}: its tables have rows`);
  }
  assert.equal(code, 0, 'the bench exits 0 when every figure is there');
});
