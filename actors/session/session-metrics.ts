// Figures only a session worker knows (blocks it fetched, their bytes, the calls that failed, the flood waits it was
// told, its own heap), counted around the SessionApi it exposes and posted to the main thread every few seconds as a
// 'metrics' SessionEvent. Counts are cumulative for the life of this worker; `worker` (its thread id) tells the main
// thread when a restarted worker started counting again from zero.
import { getHeapStatistics } from 'node:v8';
import { threadId } from 'node:worker_threads';

export interface SessionMetricsReport {
  type: 'metrics';
  /** Thread id of the reporting worker: a new one means the counts below restarted from zero. */
  worker: number;
  /** fetchBlock calls that answered a block. */
  blocks: number;
  /** Bytes of those blocks. */
  blockBytes: number;
  /** Calls of any method that failed (flood waits included). */
  errors: number;
  /** Calls that failed with FLOOD_WAIT. */
  floodWaits: number;
  /** This worker's V8 heap in use. */
  heapUsedBytes: number;
}

export const METRICS_REPORT_MS = 5_000;

export class SessionMeter {
  #blocks = 0;
  #blockBytes = 0;
  #errors = 0;
  #floodWaits = 0;

  /** The same methods, counted. Results are returned untouched (a transferred block stays transferable). */
  wrap<A extends object>(api: A): A {
    const wrapped: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(api)) {
      if (typeof value !== 'function') {
        wrapped[name] = value;
        continue;
      }
      wrapped[name] = async (...args: unknown[]) => {
        try {
          const result = await (value as (...a: unknown[]) => unknown).apply(api, args);
          if (name === 'fetchBlock' && result instanceof ArrayBuffer) {
            this.#blocks++;
            this.#blockBytes += result.byteLength;
          }
          return result;
        } catch (err) {
          this.#errors++;
          if ((err as { code?: unknown } | null)?.code === 'FLOOD_WAIT') this.#floodWaits++;
          throw err;
        }
      };
    }
    return wrapped as A;
  }

  report(): SessionMetricsReport {
    return {
      type: 'metrics',
      worker: threadId,
      blocks: this.#blocks,
      blockBytes: this.#blockBytes,
      errors: this.#errors,
      floodWaits: this.#floodWaits,
      heapUsedBytes: getHeapStatistics().used_heap_size,
    };
  }

  /** Posts a report now and every `intervalMs`; returns the stop function. The timer never keeps the worker alive. */
  start(post: (report: SessionMetricsReport) => void, intervalMs = METRICS_REPORT_MS): () => void {
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) throw new RangeError(`intervalMs must be a positive integer, got ${String(intervalMs)}`);
    post(this.report());
    const timer = setInterval(() => post(this.report()), intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}
