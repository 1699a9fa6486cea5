// The video the demo's user sends: samples/streambot-demo.mp4 (how it was made: samples/README.md). Its duration and
// picture size come from its own headers, read by the media probe's parser, so the file can be remade freely.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseMedia } from '../media-probe/index.ts';

export const SAMPLE_PATH = fileURLToPath(new URL('../../samples/streambot-demo.mp4', import.meta.url));

export interface DemoSample {
  path: string;
  fileName: string;
  mimeType: 'video/mp4';
  size: number;
  duration: number;
  width: number;
  height: number;
}

export function demoSample(path = SAMPLE_PATH): DemoSample {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`the demo video ${path} cannot be read (${(err as Error).message}); samples/README.md tells how to make it`);
  }
  const info = parseMedia({ size: bytes.length, segments: [{ offset: 0, bytes }] });
  if (info?.container !== 'mp4' || !info.durationSeconds || !info.width || !info.height) {
    throw new Error(`the demo video ${path} is not an MP4 with a duration and a picture size`);
  }
  return { path, fileName: basename(path), mimeType: 'video/mp4', size: bytes.length, duration: Math.round(info.durationSeconds), width: info.width, height: info.height };
}
