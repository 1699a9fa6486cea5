// The probe's piscina task: parse the bytes the main thread read. Loaded through worker-shim.mjs.
import { parseMedia } from './parse.ts';
import type { MediaInfo, ParseTask } from './types.ts';

export default function parse(task: ParseTask): MediaInfo | null {
  return parseMedia(task);
}
