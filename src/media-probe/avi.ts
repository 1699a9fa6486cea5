// AVI (RIFF 'AVI '): LIST 'hdrl' → 'avih' (frame period, frame count, size), then one LIST 'strl' per stream →
// 'strh' (kind, handler, rate, length) and 'strf' (BITMAPINFOHEADER or WAVEFORMATEX). OpenDML files put the true
// frame count in LIST 'odml' → 'dmlh'. Layout as in Microsoft's "AVI RIFF File Reference".
import { ByteView, OutOfData, printable } from './byte-view.ts';
import type { MediaInfo } from './types.ts';

interface Chunk {
  id: string;
  /** For LIST and RIFF chunks, their list type; '' otherwise. */
  listType: string;
  /** Offset of the first content byte (after the list type for lists). */
  content: number;
  end: number;
}

const MAX_CHILDREN = 1024;

// WAVEFORMATEX wFormatTag values worth naming; others are shown as their number.
const AUDIO_FORMATS: Record<number, string> = { 0x1: 'pcm', 0x3: 'pcm_float', 0x50: 'mp2', 0x55: 'mp3', 0xff: 'aac', 0x161: 'wma', 0x2000: 'ac3', 0x2001: 'dts', 0x706d: 'aac' };

function readChunk(view: ByteView, at: number, limit: number): Chunk | null {
  if (at + 8 > limit) return null;
  const id = view.fourcc(at);
  const size = view.u32le(at + 4);
  const end = at + 8 + size;
  if (end > limit) return null;
  const isList = id === 'LIST' || id === 'RIFF';
  if (isList && size < 4) return null;
  return { id, listType: isList ? view.fourcc(at + 8) : '', content: at + (isList ? 12 : 8), end };
}

function* chunks(view: ByteView, from: number, to: number): Generator<Chunk> {
  let at = from;
  for (let i = 0; i < MAX_CHILDREN && at + 8 <= to; i++) {
    const c = readChunk(view, at, to);
    if (!c) return;
    yield c;
    // Chunks are padded to an even length.
    at = c.end + (c.end % 2);
  }
}

export function looksLikeAvi(view: ByteView): boolean {
  return view.has(0, 12) && view.fourcc(0) === 'RIFF' && view.fourcc(8) === 'AVI ';
}

export function parseAvi(view: ByteView): MediaInfo | null {
  if (!looksLikeAvi(view)) return null;
  const info: MediaInfo = { container: 'avi' };
  // A RIFF size past the end is common in files cut short; the walk stops at the gap anyway.
  const riffEnd = Math.min(view.size, 8 + view.u32le(4));
  try {
    for (const c of chunks(view, 12, riffEnd)) {
      if (c.id === 'LIST' && c.listType === 'hdrl') {
        parseHeaderList(view, c, info);
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof OutOfData)) throw err;
  }
  return info;
}

function parseHeaderList(view: ByteView, hdrl: Chunk, info: MediaInfo): void {
  let frameMicros = 0;
  let frames = 0;
  let videoDuration: number | undefined;
  for (const c of chunks(view, hdrl.content, hdrl.end)) {
    if (c.id === 'avih' && c.end - c.content >= 40) {
      frameMicros = view.u32le(c.content);
      frames = view.u32le(c.content + 16);
      const width = view.u32le(c.content + 32);
      const height = view.u32le(c.content + 36);
      if (width > 0 && height > 0 && width < 65536 && height < 65536) {
        info.width = width;
        info.height = height;
      }
    } else if (c.id === 'LIST' && c.listType === 'strl') {
      const d = parseStream(view, c, info);
      if (d !== undefined && videoDuration === undefined) videoDuration = d;
    } else if (c.id === 'LIST' && c.listType === 'odml') {
      for (const d of chunks(view, c.content, c.end)) {
        if (d.id === 'dmlh' && d.end - d.content >= 4) frames = Math.max(frames, view.u32le(d.content));
      }
    }
  }
  const fromHeader = frameMicros > 0 && frames > 0 ? (frameMicros * frames) / 1e6 : undefined;
  const duration = videoDuration ?? fromHeader;
  if (duration !== undefined && Number.isFinite(duration) && duration > 0) info.durationSeconds = duration;
}

/** Fills codec fields from one stream; returns the video stream's duration when its header gives one. */
function parseStream(view: ByteView, strl: Chunk, info: MediaInfo): number | undefined {
  let kind = '';
  let handler = '';
  let duration: number | undefined;
  for (const c of chunks(view, strl.content, strl.end)) {
    if (c.id === 'strh' && c.end - c.content >= 36) {
      kind = view.fourcc(c.content);
      handler = view.fourcc(c.content + 4);
      const scale = view.u32le(c.content + 20);
      const rate = view.u32le(c.content + 24);
      const length = view.u32le(c.content + 32);
      if (kind === 'vids' && scale > 0 && rate > 0 && length > 0) duration = (length * scale) / rate;
    } else if (c.id === 'strf' && kind === 'vids' && c.end - c.content >= 20 && info.videoCodec === undefined) {
      info.videoCodec = printable(view.fourcc(c.content + 16)) ?? printable(handler);
      if (info.width === undefined) {
        const width = view.u32le(c.content + 4);
        // Bottom-up bitmaps store a positive height, top-down ones a negative one.
        const height = Math.abs(view.u32le(c.content + 8) | 0);
        if (width > 0 && height > 0 && width < 65536 && height < 65536) {
          info.width = width;
          info.height = height;
        }
      }
    } else if (c.id === 'strf' && kind === 'auds' && c.end - c.content >= 2 && info.audioCodec === undefined) {
      const tag = view.u16le(c.content);
      info.audioCodec = AUDIO_FORMATS[tag] ?? `0x${tag.toString(16).padStart(4, '0')}`;
    }
  }
  return kind === 'vids' ? duration : undefined;
}
