// The end-to-end check: a range from the middle of the stream link must equal the same bytes of the file sent.
import { open } from 'node:fs/promises';

export interface RangeCheck {
  ok: boolean;
  summary: string;
}

export async function checkStreamRange(streamUrl: string, filePath: string, fileSize: number, length = 65_536): Promise<RangeCheck> {
  const start = Math.max(0, Math.floor(fileSize / 2) - length / 2);
  const end = Math.min(fileSize, start + length) - 1;
  const want = Buffer.alloc(end - start + 1);
  const file = await open(filePath, 'r');
  try {
    await file.read(want, 0, want.length, start);
  } finally {
    await file.close();
  }
  const res = await fetch(streamUrl, { headers: { range: `bytes=${start}-${end}` } });
  const got = Buffer.from(await res.arrayBuffer());
  const ok = res.status === 206 && got.equals(want);
  return { ok, summary: `GET ${streamUrl} Range bytes=${start}-${end} → ${res.status}, ${got.length} bytes, ${ok ? 'byte-exact' : 'NOT the bytes of the file sent'}` };
}
