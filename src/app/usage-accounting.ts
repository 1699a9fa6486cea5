// Charges bandwidth to file owners while bytes leave, from the HTTP server's response events: a stream that runs for
// hours shows in the owner's usage as it goes (and survives a crash up to the last counter flush), instead of
// appearing all at once when the response ends. Also counts one download or play per response from the first byte,
// once it has carried enough bytes to be more than a probe.
import type { Logger } from 'pino';
import { subscribeResponses, type ResponseBytesEvent } from '../http/index.ts';
import type { FileInfo, FileSource } from '../streaming/types.ts';
import type { Store } from '../store/index.ts';

/** A response from byte 0 counts as a download or play once it has sent this much (or the whole smaller file):
 *  players probe with `Range: bytes=0-1` and similar before playing, and those are not plays. */
export const PLAY_THRESHOLD_BYTES = 64 * 1024;

export interface UsageAccountingOptions {
  store: Pick<Store, 'recordBytes' | 'incrementDownloads' | 'incrementStreams'>;
  /** Only responses served from this source are charged; ownerOf names the user who shared the file. */
  source: FileSource & { ownerOf(info: FileInfo): number | undefined };
  logger: Pick<Logger, 'warn'>;
}

/** Subscribes to the HTTP response events; returns the function that stops accounting. */
export function startUsageAccounting({ store, source, logger }: UsageAccountingOptions): () => void {
  return subscribeResponses((event) => {
    // Several servers may share this process (and its channel); each accounting charges its own source only.
    if (event.type !== 'bytes' || event.source !== source) return;
    // A throw here would surface as an uncaught exception (diagnostics_channel rethrows it), so nothing may escape.
    try {
      charge(event);
    } catch (err) {
      logger.warn({ err, bytes: event.bytes }, 'could not record the bytes of a response');
    }
  });

  function charge(event: ResponseBytesEvent): void {
    const owner = source.ownerOf(event.info);
    store.recordBytes(owner ?? null, event.bytes);
    if (owner === undefined || event.firstByte !== 0) return;
    const threshold = Math.min(event.info.size, PLAY_THRESHOLD_BYTES);
    // Counted by the event that crosses the threshold, so once per response without keeping state per response.
    if (event.totalBytes - event.bytes >= threshold || event.totalBytes < threshold) return;
    const counted = event.disposition === 'attachment' ? store.incrementDownloads(event.info.id) : store.incrementStreams(event.info.id);
    counted.catch((err: unknown) => logger.warn({ err }, 'could not count a download or play'));
  }
}
