// Keeps StreamBot under MEMORY_LIMIT_MB: read-ahead buffers are what grows with load, so above the high mark (85 %
// of the limit, by heap used or by RSS) the shared read-ahead budget is lowered, and below the low mark (70 %) it
// is restored. The gap between the marks keeps a process hovering near one of them from flapping.
import type { Logger } from 'pino';
import { configureReadAhead } from '../streaming/index.ts';

export interface MemoryReading {
  heapUsed: number;
  rss: number;
}

export interface MemoryWatchOptions {
  limitBytes: number;
  /** The read-ahead budget outside pressure (READ_AHEAD_MAX_MB). */
  normalBudgetBytes: number;
  logger: Logger;
  /** Budget under pressure; default a quarter of the normal one, at least 8 MiB (or the normal one if smaller). */
  reducedBudgetBytes?: number;
  /** Default 5000. */
  intervalMs?: number;
  /** Default 0.85 and 0.70. */
  highRatio?: number;
  lowRatio?: number;
  /** Injectable for tests: where readings come from and where the budget goes. */
  read?: () => MemoryReading;
  setBudget?: (bytes: number) => void;
}

export interface MemoryWatchState {
  limitBytes: number;
  pressure: boolean;
  /** Episodes of pressure since start. */
  episodes: number;
  budgetBytes: number;
  last: MemoryReading | null;
}

export interface MemoryWatch {
  /** Takes one reading and acts on it (the timer calls this). */
  sample(): MemoryWatchState;
  state(): MemoryWatchState;
  /** Stops sampling; the budget stays as it is. */
  stop(): void;
}

const MiB = 1024 * 1024;
const DEFAULT_INTERVAL_MS = 5000;

function positiveInteger(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new RangeError(`memory watch: ${name} must be a positive whole number (got ${String(value)})`);
  return value as number;
}

export function startMemoryWatch(o: MemoryWatchOptions): MemoryWatch {
  const limitBytes = positiveInteger('limitBytes', o.limitBytes);
  const normal = positiveInteger('normalBudgetBytes', o.normalBudgetBytes);
  const reduced = positiveInteger('reducedBudgetBytes', o.reducedBudgetBytes ?? Math.min(normal, Math.max(8 * MiB, Math.floor(normal / 4))));
  const intervalMs = positiveInteger('intervalMs', o.intervalMs ?? DEFAULT_INTERVAL_MS);
  const high = o.highRatio ?? 0.85;
  const low = o.lowRatio ?? 0.7;
  if (!(low > 0 && low < high && high <= 1)) throw new RangeError(`memory watch: need 0 < lowRatio < highRatio <= 1 (got ${low} and ${high})`);
  const read = o.read ?? (() => {
    const m = process.memoryUsage();
    return { heapUsed: m.heapUsed, rss: m.rss };
  });
  const setBudget = o.setBudget ?? ((bytes: number) => configureReadAhead({ maxInFlightBytes: bytes }));
  let pressure = false;
  let episodes = 0;
  let last: MemoryReading | null = null;

  const state = (): MemoryWatchState => ({ limitBytes, pressure, episodes, budgetBytes: pressure ? reduced : normal, last });
  const sample = (): MemoryWatchState => {
    last = read();
    const used = Math.max(last.heapUsed, last.rss);
    const mb = (bytes: number) => Math.round(bytes / MiB);
    if (!pressure && used > high * limitBytes) {
      pressure = true;
      episodes += 1;
      setBudget(reduced);
      o.logger.warn({ heapUsedMb: mb(last.heapUsed), rssMb: mb(last.rss), limitMb: mb(limitBytes), readAheadMb: mb(reduced) }, `memory above ${Math.round(high * 100)} % of MEMORY_LIMIT_MB; read-ahead budget lowered`);
    } else if (pressure && used < low * limitBytes) {
      pressure = false;
      setBudget(normal);
      o.logger.info({ heapUsedMb: mb(last.heapUsed), rssMb: mb(last.rss), limitMb: mb(limitBytes), readAheadMb: mb(normal) }, `memory back below ${Math.round(low * 100)} % of MEMORY_LIMIT_MB; read-ahead budget restored`);
    }
    return state();
  };
  // Sampling alone must not keep the process alive.
  const timer = setInterval(() => {
    try {
      sample();
    } catch (err) {
      o.logger.error({ err }, 'memory watch: a sample failed');
    }
  }, intervalMs).unref();
  return { sample, state, stop: () => clearInterval(timer) };
}
