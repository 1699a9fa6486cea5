// Session figures. The supervisor tells states (read from states() at each scrape) and transitions (its 'state'
// events: restarts). The workers tell what only they see (blocks, bytes, failed calls, flood waits, their heap) in
// 'metrics' events, cumulative per worker thread; they become counters here, carried over worker restarts.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SessionMetricsReport } from '../../actors/session/session-metrics.ts';
import type { SessionStateEvent, SessionWorkerEvent, Supervisor } from '../../actors/supervisor/index.ts';
import type { SessionState } from '../../actors/session/protocol.ts';
import type { MetricsLogger } from './logger.ts';

const STATES: readonly SessionState[] = ['starting', 'ready', 'flood-wait', 'restarting', 'failed', 'stopped'];
const REPORT_FIELDS = ['worker', 'blocks', 'blockBytes', 'errors', 'floodWaits', 'heapUsedBytes'] as const;

export function isMetricsReport(event: unknown): event is SessionMetricsReport {
  if (typeof event !== 'object' || event === null || (event as { type?: unknown }).type !== 'metrics') return false;
  return REPORT_FIELDS.every((k) => {
    const v = (event as Record<string, unknown>)[k];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0;
  });
}

type Cumulative = 'blocks' | 'blockBytes' | 'errors' | 'floodWaits';

export function sessionMetrics(o: { registry: Registry; supervisor: Supervisor; logger: MetricsLogger }): { close(): void } {
  const registers = [o.registry];
  const { supervisor } = o;
  const states = () => {
    try {
      return supervisor.states();
    } catch (err) {
      o.logger.warn({ err }, 'could not read session states for metrics');
      return [];
    }
  };

  new Gauge({
    name: 'streambot_sessions',
    help: 'Telegram sessions by state (starting, ready, flood-wait, restarting, failed, stopped).',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const counts = new Map<string, number>(STATES.map((s) => [s, 0]));
      for (const s of states()) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'streambot_session_in_flight_jobs',
    help: 'Block and lookup calls running on each session.',
    labelNames: ['session'] as const,
    registers,
    collect() {
      for (const s of states()) this.set({ session: String(s.index) }, s.inFlight);
    },
  });
  const completedSeen = new Map<number, number>();
  new Counter({
    name: 'streambot_session_jobs_completed_total',
    help: 'Jobs (block fetches and file lookups) each session completed, as the supervisor counts them.',
    labelNames: ['session'] as const,
    registers,
    collect() {
      for (const s of states()) {
        const delta = s.completed - (completedSeen.get(s.index) ?? 0);
        completedSeen.set(s.index, s.completed);
        // Touching the label with 0 makes a session show up before its first job.
        this.inc({ session: String(s.index) }, Math.max(0, delta));
      }
    },
  });
  new Gauge({
    name: 'streambot_scheduler_queued_jobs',
    help: 'Jobs waiting for a free session slot.',
    registers,
    collect() {
      try {
        this.set(supervisor.stats().queued);
      } catch (err) {
        o.logger.warn({ err }, 'could not read scheduler stats for metrics');
      }
    },
  });

  const restarts = new Counter({
    name: 'streambot_session_restarts_total',
    help: 'Times a session worker was restarted (it exited, hung, or failed to start).',
    labelNames: ['session'] as const,
    registers,
  });
  const blocks = new Counter({ name: 'streambot_session_blocks_total', help: 'Blocks each session worker fetched from Telegram.', labelNames: ['session'] as const, registers });
  const blockBytes = new Counter({ name: 'streambot_session_block_bytes_total', help: 'Bytes of the blocks each session worker fetched.', labelNames: ['session'] as const, registers });
  const errors = new Counter({ name: 'streambot_session_errors_total', help: 'Calls that failed in each session worker (flood waits included).', labelNames: ['session'] as const, registers });
  const floodWaits = new Counter({ name: 'streambot_session_flood_waits_total', help: 'FLOOD_WAIT answers each session worker got from Telegram.', labelNames: ['session'] as const, registers });
  const heap = new Gauge({ name: 'streambot_session_worker_heap_bytes', help: 'V8 heap in use in each session worker, as last reported.', labelNames: ['session'] as const, registers });
  const counters: Record<Cumulative, Counter<'session'>> = { blocks, blockBytes, errors, floodWaits };

  // Every session is listed from the start, so a dashboard shows a 0 rather than no series.
  for (const s of states()) {
    const session = String(s.index);
    restarts.inc({ session }, 0);
    for (const c of Object.values(counters)) c.inc({ session }, 0);
  }

  const last = new Map<number, SessionMetricsReport>();
  const onState = (ev: SessionStateEvent) => {
    if (ev.state === 'restarting') restarts.inc({ session: String(ev.index) });
  };
  const onEvent = ({ index, event }: SessionWorkerEvent) => {
    if ((event as { type?: unknown } | null)?.type !== 'metrics') return;
    if (!isMetricsReport(event)) {
      o.logger.warn({ session: index }, 'ignoring a malformed metrics report from a session worker');
      return;
    }
    const session = String(index);
    const before = last.get(index);
    // A new worker thread counts from zero again.
    const base = before && before.worker === event.worker ? before : undefined;
    for (const [field, counter] of Object.entries(counters) as [Cumulative, Counter<'session'>][]) {
      const delta = event[field] - (base?.[field] ?? 0);
      if (delta > 0) counter.inc({ session }, delta);
    }
    heap.set({ session }, event.heapUsedBytes);
    last.set(index, event);
  };
  supervisor.on('state', onState);
  supervisor.on('event', onEvent);
  return {
    close() {
      supervisor.off('state', onState);
      supervisor.off('event', onEvent);
    },
  };
}
