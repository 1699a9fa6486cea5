// A run's results as JSON and as Markdown, under bench/results/, with what they were measured on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './processes.ts';
import type { Cell, ScenarioReport, Table } from './scenario.ts';

export interface RunInfo {
  date: string;
  commit: string | null;
  node: string;
  cpuModel: string | null;
  cores: number;
  memoryGiB: number;
  loadAverage1m: number;
  quick: boolean;
}

export function runInfo(quick: boolean): RunInfo {
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty) commit += '+changes';
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(), commit, node: process.version, cpuModel: cpus()[0]?.model ?? null, cores: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), loadAverage1m: +loadavg()[0]!.toFixed(2), quick,
  };
}

const cell = (c: Cell) => (c === null ? '—' : String(c));

export function tableMarkdown(t: Table): string {
  const lines = [];
  if (t.caption) lines.push(`*${t.caption}*`, '');
  lines.push(`| ${t.columns.join(' | ')} |`, `|${t.columns.map(() => '---').join('|')}|`);
  for (const r of t.rows) lines.push(`| ${r.map(cell).join(' | ')} |`);
  return lines.join('\n');
}

export function runMarkdown(info: RunInfo, reports: ScenarioReport[]): string {
  const out = [
    `# StreamBot bench: ${info.quick ? 'quick run' : 'full run'}`,
    '',
    `${info.date} · commit ${info.commit ?? 'unknown'} · Node ${info.node} · ${info.cores} × ${info.cpuModel ?? 'unknown CPU'} · ${info.memoryGiB} GiB · load average at start ${info.loadAverage1m}`,
    '',
  ];
  for (const r of reports) {
    out.push(`## ${r.title} (\`${r.name}\`, ${r.seconds.toFixed(0)} s)`, '');
    for (const t of r.tables) out.push(tableMarkdown(t), '');
    for (const n of r.notes) out.push(`- ${n}`);
    if (r.notes.length) out.push('');
    if (r.missing.length) out.push('**Missing figures:**', '', ...r.missing.map((m) => `- ${m}`), '');
  }
  return out.join('\n');
}

/** Writes `<dir>/<date>-<full|quick>.json` and `.md`; returns their paths. */
export function writeRun(dir: string, info: RunInfo, reports: ScenarioReport[]): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const stem = join(dir, `${info.date.replace(/[:.]/g, '-')}-${info.quick ? 'quick' : 'full'}`);
  writeFileSync(`${stem}.json`, JSON.stringify({ ...info, scenarios: reports }, null, 2) + '\n');
  writeFileSync(`${stem}.md`, runMarkdown(info, reports) + '\n');
  return { json: `${stem}.json`, md: `${stem}.md` };
}
