// Content of sandbox files: a file on disk, or deterministic bytes generated from a seed (AES-128-CTR keystream,
// so any range is produced at memory speed and tests can recompute the expected bytes independently).
import { createCipheriv } from 'node:crypto';
import { openSync, readSync, closeSync, statSync } from 'node:fs';

export type FileSourceSpec =
  | { kind: 'generated'; seed: string; size: number }
  | { kind: 'path'; path: string }
  | { kind: 'buffer'; data: Buffer };

export function sourceSize(spec: FileSourceSpec): number {
  switch (spec.kind) {
    case 'generated': return spec.size;
    case 'path': return statSync(spec.path).size;
    case 'buffer': return spec.data.length;
  }
}

function seedKey(seed: string): Buffer {
  return Buffer.from(seed.padEnd(16, '\0').slice(0, 16), 'latin1');
}

/** Bytes [offset, offset + length) of a generated file with this seed (clamped by the caller). */
export function generatedBytes(seed: string, offset: number, length: number): Buffer {
  if (length <= 0) return Buffer.alloc(0);
  const block = Math.floor(offset / 16);
  const skip = offset - block * 16;
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = createCipheriv('aes-128-ctr', seedKey(seed), iv);
  const out = cipher.update(Buffer.alloc(skip + length));
  return skip ? out.subarray(skip) : out;
}

/** Reads [offset, offset + length) of a file, short at its end, empty past it. */
export function readFileRange(spec: FileSourceSpec, size: number, offset: number, length: number): Buffer {
  const end = Math.min(size, offset + length);
  if (offset >= end) return Buffer.alloc(0);
  switch (spec.kind) {
    case 'generated':
      return generatedBytes(spec.seed, offset, end - offset);
    case 'buffer':
      return spec.data.subarray(offset, end);
    case 'path': {
      const fd = openSync(spec.path, 'r');
      try {
        const buf = Buffer.allocUnsafe(end - offset);
        let read = 0;
        while (read < buf.length) {
          const n = readSync(fd, buf, read, buf.length - read, offset + read);
          if (n === 0) break;
          read += n;
        }
        return buf.subarray(0, read);
      } finally {
        closeSync(fd);
      }
    }
  }
}
