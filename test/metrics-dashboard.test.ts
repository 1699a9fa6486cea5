// docs/grafana-dashboard.json: valid JSON, the datasource a variable, and only metrics the registry exports, every
// StreamBot metric charted.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createMetrics } from '../src/metrics/index.ts';
import type { Supervisor } from '../actors/supervisor/index.ts';
import type { Store } from '../src/store/index.ts';

const dashboard = JSON.parse(readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8'));

interface Target { expr: string; datasource?: { uid?: string } }
interface Panel { type: string; title: string; datasource?: { uid?: string }; targets?: Target[]; panels?: Panel[] }

const allPanels = (list: Panel[]): Panel[] => list.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
const charts = allPanels(dashboard.panels).filter((p) => p.type !== 'row');

const supervisor = Object.assign(new EventEmitter(), {
  states: () => [{ index: 0, state: 'ready', inFlight: 0, abandoned: 0, linksDown: [], lastProgressAt: 0, completed: 0, restarts: 0 }],
  stats: () => ({ queued: 0 }),
}) as unknown as Supervisor;
const store = { health: () => ({ backend: 'sqlite', degraded: false, pendingCounters: 0, lastError: null }) } as unknown as Store;
const metrics = createMetrics({ supervisor, store, http: () => ({ activeStreams: 0, pendingWrites: 0, bytesSent: 0, timers: 0 }), logger: { warn() {}, error() {} } });
after(() => metrics.close());

async function exported(registry: Registry): Promise<Map<string, string>> {
  return new Map((await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
}

/** The metric families an expression reads; a histogram's _bucket, _sum and _count name their family. */
function familiesIn(expr: string, known: Map<string, string>): string[] {
  return [...expr.matchAll(/\bstreambot_[a-zA-Z0-9_:]+/g)].map(([name]) => {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return base !== name && known.get(base) === 'histogram' ? base : name;
  });
}

test('the dashboard picks its Prometheus datasource from a variable', () => {
  const variable = dashboard.templating.list.find((v: { type: string }) => v.type === 'datasource');
  assert.ok(variable, 'a datasource variable');
  assert.equal(variable.query, 'prometheus');
  assert.ok(charts.length > 0);
  for (const panel of charts) {
    assert.equal(panel.datasource?.uid, `\${${variable.name}}`, `panel "${panel.title}" uses the variable`);
    assert.ok(panel.targets && panel.targets.length > 0, `panel "${panel.title}" has queries`);
    for (const t of panel.targets) assert.equal(t.datasource?.uid, `\${${variable.name}}`, `a query of "${panel.title}" uses the variable`);
  }
});

test('every query names only metrics the registry exports', async () => {
  const known = await exported(metrics.registry);
  for (const panel of charts) {
    for (const { expr } of panel.targets!) {
      const names = familiesIn(expr, known);
      assert.ok(names.length > 0, `"${panel.title}" queries a StreamBot metric: ${expr}`);
      for (const name of names) assert.ok(known.has(name), `"${panel.title}" names ${name}, which /metrics does not export`);
    }
  }
});

test('every StreamBot metric (beyond the process defaults) has a panel', async () => {
  const known = await exported(metrics.registry);
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults, prefix: 'streambot_' });
  const processOnly = await exported(defaults);
  const charted = new Set(charts.flatMap((p) => p.targets!.flatMap((t) => familiesIn(t.expr, known))));
  const own = [...known.keys()].filter((name) => !processOnly.has(name));
  assert.ok(own.length >= 15, 'the registry holds StreamBot metrics');
  for (const name of own) assert.ok(charted.has(name), `${name} has no panel`);
  for (const name of ['streambot_nodejs_eventloop_lag_p99_seconds', 'streambot_process_resident_memory_bytes']) {
    assert.ok(charted.has(name), `${name} has no panel`);
  }
});
