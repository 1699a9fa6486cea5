// Public file ids and link secrets. Both are random (never derived from message ids) so links cannot be guessed.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FileRecord } from '../store/types.ts';

const PUBLIC_ID = /^[A-Za-z0-9_-]{12}$/;

/** 72 random bits: short enough for a URL, and a collision is caught by the unique key and retried. */
export const newPublicId = (): string => randomBytes(9).toString('base64url');

/** 128 random bits. */
export const newLinkSecret = (): string => randomBytes(16).toString('base64url');

export const isPublicId = (value: unknown): value is string => typeof value === 'string' && PUBLIC_ID.test(value);

/** Constant-time comparison of a secret taken from a URL with the stored one. */
export function linkSecretMatches(file: Pick<FileRecord, 'secret'>, candidate: unknown): boolean {
  if (typeof candidate !== 'string') return false;
  const a = Buffer.from(file.secret);
  const b = Buffer.from(candidate);
  return a.length === b.length && timingSafeEqual(a, b);
}
