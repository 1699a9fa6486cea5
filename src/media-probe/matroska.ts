// Matroska / WebM (EBML, RFC 8794; Matroska elements, RFC 9559): the EBML header's DocType, Segment → Info
// (TimestampScale, Duration) and Tracks → TrackEntry (TrackType, CodecID, Video → PixelWidth/PixelHeight).
import { ByteView, OutOfData, printable } from './byte-view.ts';
import type { MediaInfo } from './types.ts';

const EBML = 0x1a45dfa3;
const DOC_TYPE = 0x4282;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMESTAMP_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const TRACK_TYPE = 0x83;
const CODEC_ID = 0x86;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const CLUSTER = 0x1f43b675;
const MAX_CHILDREN = 4096;

interface Element {
  id: number;
  /** Offset of the first content byte. */
  content: number;
  /** Offset just past the element (the parent's end when the size is "unknown"). */
  end: number;
}

/** A variable-length integer at `at`: its length and value (the marker bit removed unless `keepMarker`). */
function vint(view: ByteView, at: number, maxLength: number, keepMarker: boolean): { length: number; value: number; allOnes: boolean } | null {
  const first = view.u8(at);
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  if (length > maxLength) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = view.u8(at + i);
    value = value * 256 + b;
    allOnes &&= b === 0xff;
  }
  return { length, value, allOnes };
}

function readElement(view: ByteView, at: number, limit: number): Element | null {
  if (at + 2 > limit) return null;
  const id = vint(view, at, 4, true);
  if (!id) return null;
  const size = vint(view, at + id.length, 8, false);
  if (!size) return null;
  const content = at + id.length + size.length;
  const end = size.allOnes ? limit : content + size.value;
  if (end > limit || content > limit) return null;
  return { id: id.value, content, end };
}

function* children(view: ByteView, parent: { content: number; end: number }): Generator<Element> {
  let at = parent.content;
  for (let i = 0; i < MAX_CHILDREN && at < parent.end; i++) {
    const el = readElement(view, at, parent.end);
    if (!el || el.end <= at) return;
    yield el;
    at = el.end;
  }
}

function uint(view: ByteView, el: Element): number | undefined {
  const length = el.end - el.content;
  if (length < 1 || length > 8) return undefined;
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + view.u8(el.content + i);
  return value;
}

function float(view: ByteView, el: Element): number | undefined {
  const length = el.end - el.content;
  if (length !== 4 && length !== 8) return undefined;
  // A copy: the bytes may be a Buffer view into a larger pool.
  const data = new DataView(Uint8Array.from(view.bytes(el.content, length)).buffer);
  return length === 4 ? data.getFloat32(0) : data.getFloat64(0);
}

function text(view: ByteView, el: Element): string | undefined {
  const length = el.end - el.content;
  if (length < 1 || length > 64) return undefined;
  return printable(String.fromCharCode(...view.bytes(el.content, length)));
}

export function looksLikeMatroska(view: ByteView): boolean {
  return view.has(0, 4) && view.u32be(0) === EBML;
}

export function parseMatroska(view: ByteView): MediaInfo | null {
  if (!looksLikeMatroska(view)) return null;
  const info: MediaInfo = { container: 'matroska' };
  try {
    const header = readElement(view, 0, view.size);
    if (!header) return info;
    for (const el of children(view, header)) {
      if (el.id === DOC_TYPE && text(view, el) === 'webm') info.container = 'webm';
    }
    const segment = readElement(view, header.end, view.size);
    if (!segment || segment.id !== SEGMENT) return info;
    let sawInfo = false;
    let sawTracks = false;
    for (const el of children(view, segment)) {
      if (el.id === INFO) {
        parseInfo(view, el, info);
        sawInfo = true;
      } else if (el.id === TRACKS) {
        parseTracks(view, el, info);
        sawTracks = true;
      } else if (el.id === CLUSTER && sawInfo && sawTracks) {
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof OutOfData)) throw err;
  }
  return info;
}

function parseInfo(view: ByteView, el: Element, info: MediaInfo): void {
  let scale = 1_000_000;
  let duration: number | undefined;
  for (const c of children(view, el)) {
    if (c.id === TIMESTAMP_SCALE) scale = uint(view, c) || scale;
    else if (c.id === DURATION) duration = float(view, c);
  }
  if (duration !== undefined && Number.isFinite(duration) && duration > 0) info.durationSeconds = (duration * scale) / 1e9;
}

function parseTracks(view: ByteView, el: Element, info: MediaInfo): void {
  for (const entry of children(view, el)) {
    if (entry.id !== TRACK_ENTRY) continue;
    let type: number | undefined;
    let codec: string | undefined;
    let width: number | undefined;
    let height: number | undefined;
    for (const c of children(view, entry)) {
      if (c.id === TRACK_TYPE) type = uint(view, c);
      else if (c.id === CODEC_ID) codec = text(view, c);
      else if (c.id === VIDEO) {
        for (const v of children(view, c)) {
          if (v.id === PIXEL_WIDTH) width = uint(view, v);
          else if (v.id === PIXEL_HEIGHT) height = uint(view, v);
        }
      }
    }
    if (type === 1 && info.videoCodec === undefined) {
      if (codec) info.videoCodec = codec;
      if (width && height) {
        info.width = width;
        info.height = height;
      }
    } else if (type === 2 && info.audioCodec === undefined && codec) {
      info.audioCodec = codec;
    }
  }
}
