// Store figures: the latency of each operation (timed by observeStore, or by every call through timedStore), and the
// store's own health (degraded mode, counter increments waiting to be written) read at each scrape.
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../store/index.ts';
import type { MetricsLogger } from './logger.ts';

export interface StoreMetrics {
  observe<T>(op: string, work: () => Promise<T>): Promise<T>;
  /** The same store, every asynchronous method timed under its own name. */
  timed: Store;
}

export function storeMetrics(o: { registry: Registry; store: Store; logger: MetricsLogger }): StoreMetrics {
  const registers = [o.registry];
  const health = () => {
    try {
      return o.store.health();
    } catch (err) {
      o.logger.warn({ err }, 'could not read store health for metrics');
      return undefined;
    }
  };
  new Gauge({
    name: 'streambot_store_degraded',
    help: '1 while the database is unreachable and the store serves from memory, else 0.',
    labelNames: ['backend'] as const,
    registers,
    collect() {
      const h = health();
      if (h) this.set({ backend: h.backend }, h.degraded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'streambot_store_pending_counters',
    help: 'Counter increments (bandwidth, file counters) waiting to be written to the database.',
    registers,
    collect() {
      const h = health();
      if (h) this.set(h.pendingCounters);
    },
  });
  const latency = new Histogram({
    name: 'streambot_store_operation_duration_seconds',
    help: 'Time of store operations, by operation and outcome (ok, error).',
    labelNames: ['op', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });

  const observe = async <T>(op: string, work: () => Promise<T>): Promise<T> => {
    if (typeof op !== 'string' || op === '') throw new TypeError(`observeStore: op must be a non-empty string, got ${String(op)}`);
    const end = latency.startTimer({ op });
    try {
      const value = await work();
      end({ outcome: 'ok' });
      return value;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  };

  const wrappers = new Map<PropertyKey, unknown>();
  const timed = new Proxy(o.store, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function' || typeof key !== 'string') return value;
      let wrapper = wrappers.get(key);
      if (wrapper === undefined) {
        // Called on the store itself: its classes keep private fields a proxy receiver cannot reach.
        wrapper = (...args: unknown[]) => {
          const end = latency.startTimer({ op: key });
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (err) {
            end({ outcome: 'error' });
            throw err;
          }
          // Synchronous methods (health(), ...) are not operations on the database.
          if (!(result instanceof Promise)) return result;
          return result.then(
            (v) => { end({ outcome: 'ok' }); return v; },
            (err: unknown) => { end({ outcome: 'error' }); throw err; },
          );
        };
        wrappers.set(key, wrapper);
      }
      return wrapper;
    },
  });
  return { observe, timed };
}
