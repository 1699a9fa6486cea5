// The media probe: reads a file's headers through its FileSource, parses them on a piscina pool (CPU work off the
// main thread) and caches the answer in the store as `probe:<fileId>`.
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import type { JsonValue, Store } from '../store/index.ts';
import { isRefusal, type FileSource } from '../streaming/types.ts';
import { collectBytes } from './collect.ts';
import type { MediaInfo, ParseTask } from './types.ts';

export interface MediaProbe {
  /** What the file holds; null when it is unknown, refused, not a format the probe reads, or could not be read. */
  probe(fileId: string): Promise<MediaInfo | null>;
  /** Stops the worker threads; probes after this resolve null. */
  close(): Promise<void>;
}

export interface MediaProbeOptions {
  source: FileSource;
  store: Store;
  logger: Logger;
  /** Worker threads parsing at once; default 1 (a parse takes milliseconds, reading the bytes takes longer). */
  maxThreads?: number;
}

/** Bumped when the parsers learn something new, so older cached answers are probed again. */
const CACHE_VERSION = 1;
// Parsers are bounded; this only guards against a worker that stopped answering.
const PARSE_TIMEOUT_MS = 10_000;

interface CachedProbe {
  version: number;
  info: MediaInfo | null;
}

export const probeKey = (fileId: string): string => `probe:${fileId}`;

export function createMediaProbe(o: MediaProbeOptions): MediaProbe {
  const maxThreads = o.maxThreads ?? 1;
  if (!Number.isInteger(maxThreads) || maxThreads < 1) throw new RangeError(`options.maxThreads must be a positive integer (got ${maxThreads})`);
  const logger = o.logger.child({ component: 'media-probe' });
  const pool = new Piscina<ParseTask, MediaInfo | null>({
    filename: fileURLToPath(new URL('./worker-shim.mjs', import.meta.url)),
    minThreads: 0,
    maxThreads,
    idleTimeout: 30_000,
  });
  const inFlight = new Map<string, Promise<MediaInfo | null>>();
  let closed = false;

  const run = async (fileId: string): Promise<MediaInfo | null> => {
    const cached = await o.store.getSetting<JsonValue>(probeKey(fileId));
    if (isCached(cached)) return cached.info;
    const info = await o.source.stat(fileId);
    // Unknown or refused now: nothing to remember, the answer may change.
    if (info === null || isRefusal(info)) return null;
    if (info.size === 0) return remember(fileId, null);
    const task = await collectBytes(o.source, info);
    if (closed) return null;
    const result = await pool.run(task, { signal: AbortSignal.timeout(PARSE_TIMEOUT_MS) });
    return remember(fileId, result);
  };

  const remember = async (fileId: string, info: MediaInfo | null): Promise<MediaInfo | null> => {
    const value: CachedProbe = { version: CACHE_VERSION, info };
    await o.store.setSetting(probeKey(fileId), value as unknown as JsonValue);
    return info;
  };

  return {
    probe(fileId) {
      if (closed) return Promise.resolve(null);
      let pending = inFlight.get(fileId);
      if (!pending) {
        pending = run(fileId)
          .catch((err: unknown) => {
            // A read or store failure is not an answer about the file: nothing is cached, the next call tries again.
            if (!closed) logger.warn({ err, fileId }, 'media probe failed');
            return null;
          })
          .finally(() => inFlight.delete(fileId));
        inFlight.set(fileId, pending);
      }
      return pending;
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}

function isCached(value: JsonValue | null): value is JsonValue & CachedProbe {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && value.version === CACHE_VERSION && 'info' in value;
}
