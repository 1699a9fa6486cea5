// MP4 / QuickTime (ISO BMFF): top-level boxes, then moov → mvhd (duration), trak → tkhd (size), mdia → hdlr (track
// kind), minf → stbl → stsd (codec fourcc). See ISO/IEC 14496-12 §4.2 (box header), §8.2.2 (mvhd), §8.3.2 (tkhd),
// §8.5.2 (stsd).
import { ByteView, OutOfData, printable } from './byte-view.ts';
import type { MediaInfo } from './types.ts';

export interface Box {
  type: string;
  /** Offset of the box header. */
  start: number;
  /** Offset of the first content byte. */
  content: number;
  /** Offset just past the box. */
  end: number;
}

// Boxes that may open a file; anything else in the first 8 bytes is not ISO BMFF.
const FIRST_BOXES = new Set(['ftyp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot', 'styp']);
const MAX_TOP_LEVEL = 256;
const MAX_CHILDREN = 1024;

export function looksLikeMp4(view: ByteView): boolean {
  return view.has(0, 8) && FIRST_BOXES.has(view.fourcc(4)) && (view.u32be(0) >= 8 || view.u32be(0) === 0 || view.u32be(0) === 1);
}

/** Reads the box header at `start`; null when it is malformed or does not fit in `limit`. */
export function readBox(view: ByteView, start: number, limit: number): Box | null {
  if (start + 8 > limit) return null;
  let size = view.u32be(start);
  const type = view.fourcc(start + 4);
  let header = 8;
  if (size === 1) {
    size = view.u64be(start + 8);
    header = 16;
  } else if (size === 0) {
    // "Extends to the end of the file" (or of the parent).
    size = limit - start;
  }
  if (size < header || start + size > limit) return null;
  return { type, start, content: start + header, end: start + size };
}

/** The boxes inside [from, to), header by header; stops at the first malformed one. */
export function* boxes(view: ByteView, from: number, to: number, max = MAX_CHILDREN): Generator<Box> {
  let at = from;
  for (let i = 0; i < max && at + 8 <= to; i++) {
    const box = readBox(view, at, to);
    if (!box) return;
    yield box;
    at = box.end;
  }
}

/** The file's top-level boxes (only their headers need to have been read), up to the first header that was not
 *  read: `missing` is its offset, so the reader can fetch it and walk on. */
export function topLevelBoxes(view: ByteView): { boxes: Box[]; missing?: number } {
  const found: Box[] = [];
  const walk = boxes(view, 0, view.size, MAX_TOP_LEVEL);
  for (;;) {
    try {
      const next = walk.next();
      if (next.done) return { boxes: found };
      found.push(next.value);
    } catch (err) {
      if (!(err instanceof OutOfData)) throw err;
      return { boxes: found, missing: err.offset };
    }
  }
}

function child(view: ByteView, parent: Box, type: string): Box | undefined {
  for (const b of boxes(view, parent.content, parent.end)) if (b.type === type) return b;
  return undefined;
}

export function parseMp4(view: ByteView): MediaInfo | null {
  if (!looksLikeMp4(view)) return null;
  const info: MediaInfo = { container: 'mp4' };
  try {
    let moov: Box | undefined;
    let mdatStart: number | undefined;
    for (const box of topLevelBoxes(view).boxes) {
      if (box.type === 'moov' && !moov) moov = box;
      if (box.type === 'mdat' && mdatStart === undefined) mdatStart = box.start;
    }
    if (!moov) return info;
    info.faststart = mdatStart === undefined || moov.start < mdatStart;
    parseMoov(view, moov, info);
  } catch (err) {
    // A gap in the bytes ends the walk; what was found so far is still true.
    if (!(err instanceof OutOfData)) throw err;
  }
  return info;
}

function parseMoov(view: ByteView, moov: Box, info: MediaInfo): void {
  for (const box of boxes(view, moov.content, moov.end)) {
    if (box.type === 'mvhd') {
      const v1 = view.u8(box.content) === 1;
      const timescale = view.u32be(box.content + (v1 ? 20 : 12));
      const duration = v1 ? view.u64be(box.content + 24) : view.u32be(box.content + 16);
      // All ones means "unknown"; 0 is common in fragmented files.
      const unknown = v1 ? duration >= 2 ** 53 : duration === 0xffffffff;
      if (timescale > 0 && duration > 0 && !unknown) info.durationSeconds = duration / timescale;
    } else if (box.type === 'trak') {
      parseTrak(view, box, info);
    }
  }
}

function parseTrak(view: ByteView, trak: Box, info: MediaInfo): void {
  let width = 0;
  let height = 0;
  const tkhd = child(view, trak, 'tkhd');
  if (tkhd) {
    const at = tkhd.content + (view.u8(tkhd.content) === 1 ? 88 : 76);
    if (at + 8 <= tkhd.end) {
      width = Math.round(view.u32be(at) / 65536);
      height = Math.round(view.u32be(at + 4) / 65536);
    }
  }
  const mdia = child(view, trak, 'mdia');
  if (!mdia) return;
  const hdlr = child(view, mdia, 'hdlr');
  const handler = hdlr && hdlr.content + 12 <= hdlr.end ? view.fourcc(hdlr.content + 8) : '';
  const minf = child(view, mdia, 'minf');
  const stbl = minf && child(view, minf, 'stbl');
  const stsd = stbl && child(view, stbl, 'stsd');
  let codec: string | undefined;
  if (stsd && stsd.content + 8 <= stsd.end && view.u32be(stsd.content + 4) > 0) {
    const entry = readBox(view, stsd.content + 8, stsd.end);
    if (entry) {
      codec = printable(entry.type);
      // A visual sample entry carries the coded size too (§12.1.3), for files whose tkhd says 0×0.
      if (handler === 'vide' && width === 0 && entry.content + 32 <= entry.end) {
        width = view.u16be(entry.content + 24);
        height = view.u16be(entry.content + 26);
      }
    }
  }
  if (handler === 'vide' && info.videoCodec === undefined) {
    if (codec) info.videoCodec = codec;
    if (width > 0 && height > 0) {
      info.width = width;
      info.height = height;
    }
  } else if (handler === 'soun' && info.audioCodec === undefined && codec) {
    info.audioCodec = codec;
  }
}
