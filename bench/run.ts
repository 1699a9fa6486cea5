// `npm run bench [-- <scenario>...] [--quick] [--out <dir>]`: runs the scenarios (all by default) one after the
// other, each with its own sandbox DC, StreamBot and load generator processes, and writes the run to
// bench/results/ as JSON and Markdown. --quick is a short smoke run: it fails when a scenario did not produce every
// figure it reports, never because a figure is low. See bench/README.md.
import { parseArgs } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib/processes.ts';
import { runInfo, runMarkdown, writeRun } from './lib/report.ts';
import { holes, type Scenario, type ScenarioReport } from './lib/scenario.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { targetsTable, type Baseline } from './lib/targets.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, list: { type: 'boolean', default: false }, baseline: { type: 'string' } },
});

if (values.list) {
  for (const s of SCENARIOS) console.log(`${s.name.padEnd(12)} ${s.title}`);
  process.exit(0);
}
const unknown = positionals.filter((p) => !SCENARIOS.some((s) => s.name === p));
if (unknown.length) {
  console.error(`unknown scenario ${unknown.join(', ')}; there are: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}
const chosen: Scenario[] = positionals.length ? SCENARIOS.filter((s) => positionals.includes(s.name)) : SCENARIOS;
const info = runInfo(values.quick);
const reports: ScenarioReport[] = [];
for (const s of chosen) {
  const t0 = performance.now();
  const log = (msg: string) => console.error(`[${s.name}] ${msg}`);
  log(`${s.title}${values.quick ? ' (quick)' : ''}`);
  let report: ScenarioReport;
  try {
    const r = await s.run({ quick: values.quick, log });
    report = { name: s.name, title: s.title, ...r, missing: [...r.missing, ...holes(r.tables)], seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    report = { name: s.name, title: s.title, tables: [], figures: {}, notes: [], missing: [`the scenario failed: ${(err as Error).stack ?? err}`], seconds: (performance.now() - t0) / 1000 };
  }
  log(`done in ${report.seconds.toFixed(0)} s${report.missing.length ? `, ${report.missing.length} figures missing` : ''}`);
  reports.push(report);
}

/** The run targets are compared with: --baseline, else for a full run the newest committed `*-before.json`. */
function loadBaseline(): Baseline | null {
  let file = values.baseline;
  if (file === undefined && !values.quick) {
    const dir = join(repoRoot, 'bench/results');
    const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('-before.json')).sort() : [];
    if (found.length) file = join(dir, found.at(-1)!);
  }
  if (file === undefined) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Baseline;
  } catch (err) {
    console.error(`baseline ${file} could not be read: ${(err as Error).message}`);
    process.exit(2);
  }
}

if (!values.quick || values.baseline !== undefined) {
  const baseline = loadBaseline();
  const t = targetsTable(reports, baseline);
  if (t.table.rows.length) {
    reports.unshift({
      name: 'targets', title: 'Targets', tables: [t.table], missing: [], seconds: 0,
      figures: { baseline: baseline ? { commit: baseline.commit, date: baseline.date } : null, met: t.met, notMet: t.missed, rows: t.table.rows },
      notes: ['Each figure comes from the scenario below that measures it; "before" is the same scenario run on the baseline\'s code.'],
    });
  }
}

const paths = writeRun(values.out ?? join(repoRoot, 'bench/results'), info, reports);
console.log(runMarkdown(info, reports));
console.log(`results: ${paths.json}\n         ${paths.md}`);
const missing = reports.flatMap((r) => r.missing.map((m) => `${r.name}: ${m}`));
if (missing.length) {
  console.error(`missing figures:\n- ${missing.join('\n- ')}`);
  process.exitCode = 1;
}
// gramjs clients in scenarios keep timers alive after disconnecting.
setTimeout(() => process.exit(), 500).unref();
