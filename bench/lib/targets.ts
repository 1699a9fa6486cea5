// The performance targets StreamBot is held to, read from a run's figures and set beside a baseline run's (the
// committed run of the code before the performance work), so every report says where each target stands.
import type { Cell, ScenarioReport, Table } from './scenario.ts';

type Figures = Record<string, unknown>;
type Reports = Pick<ScenarioReport, 'name' | 'figures'>[];

export interface Target {
  /** What is measured, as the report names it. */
  what: string;
  /** The bound, as the report prints it. */
  bound: string;
  /** Reads the figure from a run; null when the run has no such figure (the scenario did not run). */
  read(reports: Reports): number | null;
  /** Whether `now` meets the bound; `before` is the baseline's figure (for "nothing gets slower"). */
  met(now: number, before: number | null): boolean | null;
}

/** Noise allowed when a figure must merely hold: runs on a shared 2-core machine differ by this much. */
export const HOLD_TOLERANCE = 0.1;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const figuresOf = (reports: Reports, name: string): Figures | undefined => reports.find((r) => r.name === name)?.figures;
const runs = (f: Figures | undefined, key = 'runs'): Figures[] => (Array.isArray(f?.[key]) ? (f[key] as Figures[]) : []);

function viewer(variant: string, pick: (run: Figures) => number | null) {
  return (reports: Reports) => {
    const run = runs(figuresOf(reports, 'viewers')).find((r) => r.variant === variant);
    return run ? pick(run) : null;
  };
}

const p99 = (run: Figures) => num((run.ttfbMs as Figures | undefined)?.p99);
const dcPerDistinct = (run: Figures) => {
  const dc = num(run.dcBytes);
  const distinct = num(run.distinctBytes);
  return dc !== null && distinct ? dc / distinct : null;
};

const atMost = (bound: number) => (now: number) => now <= bound;
/** Holds: no worse than the baseline beyond the tolerance; `higher` says which way is better. */
const holds = (higher: boolean) => (now: number, before: number | null) => {
  if (before === null) return null;
  return higher ? now >= before * (1 - HOLD_TOLERANCE) : now <= before * (1 + HOLD_TOLERANCE);
};

function memory(sessions: number, key: 'idleRssMiB' | 'loadRssPeakMiB') {
  return (reports: Reports) => num(runs(figuresOf(reports, 'memory')).find((r) => r.sessions === sessions)?.[key]);
}

function perSession(key: 'idle' | 'load') {
  return (reports: Reports) => num((figuresOf(reports, 'memory')?.perSessionMiB as Figures | undefined)?.[key]);
}

/** StreamBot's CPU per MiB over the native IGE + SHA-256 floor, both measured in the crypto scenario. */
function cpuOverFloor(reports: Reports): number | null {
  const f = figuresOf(reports, 'crypto');
  const native = num((f?.igeMsPerMiB as Figures | undefined)?.native);
  const sha = num(f?.sha256MsPerMiB);
  const cpu = num(f?.streambotCpuMsPerMiB);
  return native !== null && sha !== null && cpu !== null ? cpu / (native + sha) : null;
}

function seekCold(condition: string) {
  return (reports: Reports) => {
    const c = runs(figuresOf(reports, 'seek'), 'configurations').find((r) => r.name === condition);
    return num((c?.cold as Figures | undefined)?.p50);
  };
}

function scaling(sessions: number) {
  return (reports: Reports) => num(runs(figuresOf(reports, 'scaling')).find((r) => r.sessions === sessions && r.streams === 1)?.ratioToKc);
}

function viewerTargets(variant: string, label: string): Target[] {
  return [
    { what: `${label}: errors`, bound: '0', read: viewer(variant, (r) => num(r.errors)), met: atMost(0) },
    { what: `${label}: TTFB p99 ms`, bound: '< 2000', read: viewer(variant, p99), met: (now) => now < 2000 },
    { what: `${label}: DC bytes ÷ distinct delivered`, bound: '≤ 1.2', read: viewer(variant, dcPerDistinct), met: atMost(1.2) },
  ];
}

export const TARGETS: Target[] = [
  ...viewerTargets('one video, from the start', '1000 viewers of one 1 GiB video at 1 Mbit/s, from its start'),
  ...viewerTargets('one video', '1000 viewers of one 1 GiB video at 1 Mbit/s, at scattered offsets'),
  ...viewerTargets('20 files', '1000 viewers over 20 files at 128 kbit/s'),
  { what: 'RSS MiB, 1 session, idle', bound: '≤ 150', read: memory(1, 'idleRssMiB'), met: atMost(150) },
  { what: 'RSS MiB, 1 session, one full-speed stream', bound: '≤ 150', read: memory(1, 'loadRssPeakMiB'), met: atMost(150) },
  { what: 'RSS MiB per extra session, idle', bound: '≤ 50', read: perSession('idle'), met: atMost(50) },
  { what: 'RSS MiB per extra session, one full-speed stream', bound: '≤ 50', read: perSession('load'), met: atMost(50) },
  { what: 'CPU per MiB ÷ native IGE + SHA-256 floor, 1 session', bound: '≤ 2', read: cpuOverFloor, met: atMost(2) },
  { what: 'one stream MB/s, 1 session', bound: 'holds', read: (r) => num(runs(figuresOf(r, 'throughput'), 'levels').find((l) => l.streams === 1)?.MBps), met: holds(true) },
  { what: 'seek cold TTFB p50 ms, idle', bound: 'holds', read: seekCold('idle, DC +0 ms'), met: holds(false) },
  { what: 'seek cold TTFB p50 ms, under 8 downloads', bound: 'holds', read: seekCold('8 downloads, DC +0 ms'), met: holds(false) },
  { what: 'seek cold TTFB p50 ms, DC +50 ms', bound: 'holds', read: seekCold('idle, DC +50 ms'), met: holds(false) },
  ...[1, 2, 4, 8].map((k): Target => ({ what: `${k} capped session${k > 1 ? 's' : ''}, one stream: MB/s ÷ k·c`, bound: 'holds', read: scaling(k), met: holds(true) })),
];

export interface Baseline {
  commit: string | null;
  date: string;
  scenarios: Reports;
}

const show = (n: number | null): Cell => (n === null ? 'not run' : +n.toFixed(n < 10 ? 2 : 1));

/**
 * One row per target: the baseline's figure, this run's, and whether it is met. Rows whose figure this run does not
 * have (a scenario not chosen) are left out; a target this run has but the baseline lacks shows "not run" before.
 */
export function targetsTable(now: Reports, baseline: Baseline | null): { table: Table; met: number; missed: number } {
  const rows: Cell[][] = [];
  let met = 0;
  let missed = 0;
  for (const t of TARGETS) {
    const value = t.read(now);
    if (value === null) continue;
    const before = baseline ? t.read(baseline.scenarios) : null;
    const ok = t.met(value, before);
    if (ok === true) met++;
    if (ok === false) missed++;
    rows.push([t.what, t.bound, show(before), show(value), ok === null ? 'no baseline' : ok ? 'met' : 'not met']);
  }
  const caption = baseline
    ? `the baseline: the run of commit ${baseline.commit ?? 'unknown'} on ${baseline.date.slice(0, 10)}; "holds": within ${HOLD_TOLERANCE * 100} % of the baseline or better`
    : 'no baseline run given (--baseline)';
  return { table: { caption, columns: ['target', 'bound', 'before', 'now', ''], rows }, met, missed };
}
