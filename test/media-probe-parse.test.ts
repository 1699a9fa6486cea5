// The header parsers on real samples, on the pieces the probe reads, and on truncated, damaged and random input:
// they answer what they can and never throw or loop.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseMedia, type MediaInfo } from '../src/media-probe/index.ts';
import type { ByteSegment } from '../src/media-probe/types.ts';

const sample = (name: string): Uint8Array => readFileSync(new URL(`fixtures/media/${name}`, import.meta.url));
const whole = (data: Uint8Array): MediaInfo | null => parseMedia({ size: data.length, segments: [{ offset: 0, bytes: data }] });

const EXPECTED: Record<string, MediaInfo> = {
  'faststart.mp4': { container: 'mp4', faststart: true, durationSeconds: 4, videoCodec: 'avc1', width: 320, height: 240, audioCodec: 'mp4a' },
  'moov-at-end.mp4': { container: 'mp4', faststart: false, durationSeconds: 4, videoCodec: 'avc1', width: 320, height: 240, audioCodec: 'mp4a' },
  'sample.webm': { container: 'webm', durationSeconds: 4.008, videoCodec: 'V_VP9', width: 320, height: 240, audioCodec: 'A_OPUS' },
  'sample.avi': { container: 'avi', durationSeconds: 4.041666666666667, videoCodec: 'FMP4', width: 320, height: 240, audioCodec: 'mp3' },
};

/** Deterministic bytes, so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomBytes(rand: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

for (const [name, expected] of Object.entries(EXPECTED)) {
  test(`${name}: container, duration, size and codecs`, () => {
    assert.deepEqual(whole(sample(name)), expected);
  });
}

test('an MP4 with moov at the end parses from its head and its tail alone, as the probe reads it', () => {
  const data = sample('moov-at-end.mp4');
  const moovAt = data.length - 4096;
  const segments: ByteSegment[] = [
    { offset: 0, bytes: data.subarray(0, 64) },
    { offset: moovAt, bytes: data.subarray(moovAt) },
  ];
  // The mdat header in the head points at moov; without the tail nothing past the container is known.
  assert.deepEqual(parseMedia({ size: data.length, segments }), EXPECTED['moov-at-end.mp4']);
  assert.deepEqual(parseMedia({ size: data.length, segments: segments.slice(0, 1) }), { container: 'mp4' });
});

test('a file cut short at any point gives partial facts or null, never an exception', () => {
  for (const name of Object.keys(EXPECTED)) {
    const data = sample(name);
    for (let length = 0; length <= data.length; length += length < 4096 ? 7 : 997) {
      const head = data.subarray(0, length);
      // The file really ends there, and: the file is whole but only its head was read.
      for (const size of [length, data.length]) {
        const info = parseMedia({ size, segments: [{ offset: 0, bytes: head }] });
        // A WebM cut before its DocType is only known to be Matroska.
        if (info) assert.ok([EXPECTED[name]!.container, 'matroska'].includes(info.container), `${name} cut at ${length}: ${info.container}`);
      }
    }
  }
});

test('damaged headers never throw and report only well-formed values', () => {
  const rand = prng(7);
  for (const name of Object.keys(EXPECTED)) {
    const data = sample(name);
    for (let round = 0; round < 300; round++) {
      const copy = Uint8Array.from(data);
      const flips = 1 + Math.floor(rand() * 16);
      // Most structure lives in the first few KiB (and, for moov at the end, the last ones).
      const region = name === 'moov-at-end.mp4' && rand() < 0.5 ? [data.length - 4096, 4096] : [0, 4096];
      for (let i = 0; i < flips; i++) copy[region[0]! + Math.floor(rand() * region[1]!)] = Math.floor(rand() * 256);
      const info = whole(copy);
      if (!info) continue;
      for (const codec of [info.videoCodec, info.audioCodec]) if (codec !== undefined) assert.match(codec, /^[\x21-\x7e][\x20-\x7e]{0,31}$/);
      if (info.durationSeconds !== undefined) assert.ok(Number.isFinite(info.durationSeconds) && info.durationSeconds > 0);
      if (info.width !== undefined) assert.ok(Number.isInteger(info.width) && info.width > 0 && Number.isInteger(info.height) && info.height! > 0);
    }
  }
});

test('random bytes, alone or behind each format\'s magic, never throw', () => {
  const rand = prng(42);
  const magics = [
    new Uint8Array(0),
    Uint8Array.from([0, 0, 0, 24, ...Buffer.from('ftypisom')]),
    Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3]),
    Uint8Array.from([...Buffer.from('RIFF'), 0xff, 0xff, 0xff, 0x7f, ...Buffer.from('AVI ')]),
  ];
  for (let round = 0; round < 2000; round++) {
    const magic = magics[round % magics.length]!;
    const tail = randomBytes(rand, Math.floor(rand() * 2048));
    const data = Uint8Array.from([...magic, ...tail]);
    const info = whole(data);
    if (magic.length === 0) continue;
    assert.ok(info === null || typeof info.container === 'string');
  }
});

test('pathological structures end: many tiny boxes, boxes claiming 2^64 bytes, unknown-size EBML, nested lists', () => {
  // 128 Ki empty MP4 boxes after ftyp.
  const boxes = new Uint8Array(8 * 131072);
  for (let at = 0; at < boxes.length; at += 8) boxes.set([0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65], at);
  assert.deepEqual(whole(Uint8Array.from([0, 0, 0, 8, ...Buffer.from('ftyp'), ...boxes])), { container: 'mp4' });
  // A moov whose 64-bit size runs far past the file.
  const huge = Uint8Array.from([0, 0, 0, 8, ...Buffer.from('ftyp'), 0, 0, 0, 1, ...Buffer.from('moov'), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  assert.deepEqual(whole(huge), { container: 'mp4' });
  // A moov of nested trak boxes, each of size 0 ("to the end of the parent").
  const nested = Uint8Array.from([0, 0, 0, 8, ...Buffer.from('ftyp'), 0, 0, 0, 0, ...Buffer.from('moov'), ...Array.from({ length: 1000 }, () => [0, 0, 0, 0, ...Buffer.from('trak')]).flat()]);
  assert.deepEqual(whole(nested), { container: 'mp4', faststart: true });
  // EBML header, then a Segment of unknown size full of Void elements.
  const voids = Array.from({ length: 20000 }, () => [0xec, 0x80]).flat();
  const ebml = Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x84, 0x42, 0x82, 0x81, 0x77, 0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...voids]);
  assert.deepEqual(whole(ebml), { container: 'matroska' });
  // AVI whose hdrl holds LISTs of size 4 (empty) many times.
  const lists = Array.from({ length: 5000 }, () => [...Buffer.from('LIST'), 4, 0, 0, 0, ...Buffer.from('strl')]).flat();
  const hdrlSize = 4 + lists.length;
  const avi = Uint8Array.from([...Buffer.from('RIFF'), 0xff, 0xff, 0xff, 0xff, ...Buffer.from('AVI LIST'), hdrlSize & 0xff, (hdrlSize >> 8) & 0xff, (hdrlSize >> 16) & 0xff, 0, ...Buffer.from('hdrl'), ...lists]);
  assert.deepEqual(whole(avi), { container: 'avi' });
});

test('a codec name that is not printable ASCII is left out (it would end up in a page)', () => {
  const data = Uint8Array.from(sample('faststart.mp4'));
  const at = Buffer.from(data).indexOf('avc1', Buffer.from(data).indexOf('stsd'));
  data.set(Buffer.from('<b>!'), at);
  const info = whole(data)!;
  assert.equal(info.videoCodec, '<b>!', 'printable ASCII is kept as is: the page escapes it');
  data.set([0x01, 0x02, 0x03, 0x04], at);
  assert.equal(whole(data)!.videoCodec, undefined);
  assert.equal(whole(data)!.width, 320);
});

test('bytes that are no known container give null', () => {
  assert.equal(whole(new Uint8Array(0)), null);
  assert.equal(whole(Buffer.from('%PDF-1.7\n...')), null);
  assert.equal(whole(Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ')), null);
});
