// The memory watch: above 85 % of the limit (heap used or RSS) the read-ahead budget is lowered and one warning is
// logged for the episode; below 70 % the budget is restored; in between nothing changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { configureReadAhead, readAheadStats } from '../src/streaming/index.ts';
import { startMemoryWatch, type MemoryReading } from '../src/app/memory-watch.ts';

const MiB = 1024 * 1024;
const LIMIT = 1000 * MiB;
const NORMAL = 256 * MiB;

function watch(readings: MemoryReading[], extra: { intervalMs?: number } = {}) {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const budgets: number[] = [];
  let i = 0;
  const w = startMemoryWatch({ limitBytes: LIMIT, normalBudgetBytes: NORMAL, logger, read: () => readings[Math.min(i++, readings.length - 1)]!, setBudget: (b) => void budgets.push(b), intervalMs: extra.intervalMs ?? 3_600_000 });
  return { w, lines, budgets, warnings: () => lines.filter((l) => l.level === 40) };
}
const at = (ratio: number, which: 'rss' | 'heapUsed' = 'rss'): MemoryReading => ({ heapUsed: 10 * MiB, rss: 20 * MiB, [which]: Math.round(ratio * LIMIT) });

test('above 85 % the budget is lowered once per episode, below 70 % it is restored', () => {
  const { w, budgets, warnings } = watch([at(0.5), at(0.86), at(0.95), at(0.8), at(0.71), at(0.69), at(0.75), at(0.9)]);
  try {
    assert.equal(w.sample().pressure, false);
    assert.deepEqual(budgets, [], 'no change below the high mark');
    let s = w.sample();
    assert.equal(s.pressure, true);
    assert.deepEqual(budgets, [NORMAL / 4]);
    assert.equal(warnings().length, 1);
    assert.match(warnings()[0]!.msg, /85 % of MEMORY_LIMIT_MB/);
    w.sample(); // 95 %: same episode
    w.sample(); // 80 %: between the marks, still under pressure
    s = w.sample(); // 71 %
    assert.equal(s.pressure, true);
    assert.equal(s.budgetBytes, NORMAL / 4);
    assert.deepEqual(budgets, [NORMAL / 4], 'no more changes within the episode');
    assert.equal(warnings().length, 1, 'one warning per episode');
    s = w.sample(); // 69 %
    assert.equal(s.pressure, false);
    assert.deepEqual(budgets, [NORMAL / 4, NORMAL]);
    w.sample(); // 75 %: between the marks, stays restored
    assert.equal(w.state().pressure, false);
    s = w.sample(); // 90 %: a new episode
    assert.equal(s.episodes, 2);
    assert.deepEqual(budgets, [NORMAL / 4, NORMAL, NORMAL / 4]);
    assert.equal(warnings().length, 2);
  } finally {
    w.stop();
  }
});

test('heap used counts as well as RSS', () => {
  const { w, budgets } = watch([at(0.9, 'heapUsed')]);
  try {
    assert.equal(w.sample().pressure, true);
    assert.deepEqual(budgets, [NORMAL / 4]);
  } finally {
    w.stop();
  }
});

test('the lowered budget is at least 8 MiB and never above the normal one', () => {
  const lines: string[] = [];
  const logger = pino({ level: 'silent' }, { write: (s: string) => void lines.push(s) });
  for (const [normal, reduced] of [[16 * MiB, 8 * MiB], [4 * MiB, 4 * MiB], [64 * MiB, 16 * MiB]] as const) {
    const budgets: number[] = [];
    const w = startMemoryWatch({ limitBytes: LIMIT, normalBudgetBytes: normal, logger, read: () => at(0.99), setBudget: (b) => void budgets.push(b), intervalMs: 3_600_000 });
    w.sample();
    w.stop();
    assert.deepEqual(budgets, [reduced], `normal ${normal / MiB} MiB`);
  }
});

test('samples on its interval', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  const { w, budgets } = watch([at(0.5), at(0.9)], { intervalMs: 5000 });
  try {
    t.mock.timers.tick(4999);
    assert.equal(w.state().last, null, 'no reading before the interval');
    t.mock.timers.tick(1);
    assert.equal(w.state().last?.rss, at(0.5).rss);
    t.mock.timers.tick(5000);
    assert.equal(w.state().pressure, true);
    assert.deepEqual(budgets, [NORMAL / 4]);
  } finally {
    w.stop();
  }
});

test('bad options are refused by name', () => {
  const logger = pino({ level: 'silent' });
  assert.throws(() => startMemoryWatch({ limitBytes: 0, normalBudgetBytes: NORMAL, logger }), /limitBytes must be a positive whole number/);
  assert.throws(() => startMemoryWatch({ limitBytes: LIMIT, normalBudgetBytes: NORMAL, logger, highRatio: 0.5, lowRatio: 0.6 }), /lowRatio < highRatio/);
});

test('by default it moves the process-wide read-ahead budget', () => {
  const before = readAheadStats().budget.maxBytes;
  let reading = at(0.9);
  const w = startMemoryWatch({ limitBytes: LIMIT, normalBudgetBytes: NORMAL, logger: pino({ level: 'silent' }), read: () => reading, intervalMs: 3_600_000 });
  try {
    w.sample();
    assert.equal(readAheadStats().budget.maxBytes, NORMAL / 4);
    reading = at(0.1);
    w.sample();
    assert.equal(readAheadStats().budget.maxBytes, NORMAL);
  } finally {
    w.stop();
    configureReadAhead({ maxInFlightBytes: before });
  }
});
