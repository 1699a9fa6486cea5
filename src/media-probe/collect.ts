// Decides which bytes of a file the parser needs and reads them on the main thread (the worker has no FileSource):
// the head, and for MP4 whose index (moov) is not in the head, the top-level box headers one after another until
// moov, then moov itself.
import type { FileInfo, FileSource } from '../streaming/types.ts';
import { ByteView } from './byte-view.ts';
import { looksLikeMp4, topLevelBoxes } from './mp4.ts';
import { SourceReader } from './read-source.ts';
import type { ParseTask } from './types.ts';

/** Enough for the headers of Matroska, AVI and a faststart MP4's moov in the common case. */
export const HEAD_BYTES = 256 * 1024;
/** Read at each top-level box header past the head: usually holds the next header and often all of moov. */
const WINDOW_BYTES = 64 * 1024;
/** A moov this large indexes hours of media; larger ones are read in part (their first tracks still parse). */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;
const MAX_READS = 12;

export async function collectBytes(source: FileSource, info: FileInfo): Promise<ParseTask> {
  const reader = new SourceReader(source, info, { maxReads: MAX_READS, maxBytes: HEAD_BYTES + MAX_INDEX_BYTES + MAX_READS * WINDOW_BYTES });
  await reader.read(0, HEAD_BYTES);
  const view = () => new ByteView(info.size, reader.segments);
  if (!looksLikeMp4(view())) return { size: info.size, segments: reader.segments };
  for (;;) {
    const v = view();
    const { boxes, missing } = topLevelBoxes(v);
    const moov = boxes.find((b) => b.type === 'moov');
    if (moov) {
      if (!v.has(moov.start, moov.end - moov.start)) await reader.read(moov.start, Math.min(moov.end - moov.start, MAX_INDEX_BYTES));
      break;
    }
    if (missing === undefined || !(await reader.read(missing, WINDOW_BYTES))) break;
  }
  return { size: info.size, segments: reader.segments };
}
