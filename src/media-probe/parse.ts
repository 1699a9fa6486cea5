// Picks the parser by the file's first bytes. Pure and synchronous: runs in the probe's worker threads, and in tests.
import { ByteView } from './byte-view.ts';
import { parseAvi } from './avi.ts';
import { parseMatroska } from './matroska.ts';
import { parseMp4 } from './mp4.ts';
import type { MediaInfo, ParseTask } from './types.ts';

export function parseMedia(task: ParseTask): MediaInfo | null {
  const view = new ByteView(task.size, task.segments);
  return parseMp4(view) ?? parseMatroska(view) ?? parseAvi(view);
}
