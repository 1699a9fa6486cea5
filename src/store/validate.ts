// Argument checks shared by both backends, so that bad input fails the same way whatever the database.

import { invalidArgument, invalidCursor, StoreError } from './errors.ts';
import { isPublicId } from '../links/index.ts';
import type { JsonValue, NewFile, PageRequest, UserProfile } from './types.ts';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;
const MAX_TEXT = 1024;

export function checkUserId(value: unknown, name = 'userId'): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalidArgument(name, 'a positive integer Telegram id', value);
  }
  return value;
}

export const checkMessageId = (value: unknown): number => checkUserId(value, 'messageId');

export function checkFileId(id: unknown): void {
  if (!isPublicId(id)) throw invalidArgument('id', 'a 12-character public file id', id);
}

export function checkCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidArgument(name, 'a non-negative integer', value);
  }
  return value;
}

export function checkKey(value: unknown, name: string, max = 256): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw invalidArgument(name, `a non-empty string of at most ${max} characters`, value);
  }
  return value;
}

function checkOptionalText(value: unknown, name: string): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length > MAX_TEXT) throw invalidArgument(name, 'a string or null', value);
  return value;
}

/** Free text kept for display (a caption): NUL is refused because it cuts strings short in C-based tools. */
function checkOptionalTitle(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_TEXT || value.includes('\0')) {
    throw invalidArgument(name, `a string of at most ${MAX_TEXT} characters without NUL, or null`, value);
  }
  return value;
}

export function checkProfile(profile: UserProfile): { userId: number; username: string | null | undefined; firstName: string | null | undefined } {
  if (typeof profile !== 'object' || profile === null) throw invalidArgument('profile', 'an object', profile);
  return {
    userId: checkUserId(profile.userId, 'profile.userId'),
    username: checkOptionalText(profile.username, 'profile.username'),
    firstName: checkOptionalText(profile.firstName, 'profile.firstName'),
  };
}

export function checkExpiresAt(value: unknown, name = 'expiresAt'): Date | null {
  if (value !== null && (!(value instanceof Date) || Number.isNaN(value.getTime()))) {
    throw invalidArgument(name, 'a valid Date or null', value);
  }
  return value;
}

/** A setting, not an argument: its error names the option and says what to put there. */
export function checkRetention(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StoreError('SB_ERR_STORE_CONFIG', `expiredRetentionMs must be a non-negative integer of milliseconds, e.g. ${30 * 86_400_000} for 30 days (got ${String(value)})`);
  }
  return value;
}

export function checkNewFile(file: NewFile): Required<NewFile> {
  if (typeof file !== 'object' || file === null) throw invalidArgument('file', 'an object', file);
  const expiresAt = checkExpiresAt(file.expiresAt ?? null, 'file.expiresAt');
  if (typeof file.isVideo !== 'boolean') throw invalidArgument('file.isVideo', 'a boolean', file.isVideo);
  return {
    messageId: checkUserId(file.messageId, 'file.messageId'),
    userId: checkUserId(file.userId, 'file.userId'),
    fileName: checkKey(file.fileName, 'file.fileName', MAX_TEXT),
    fileSize: checkCount(file.fileSize, 'file.fileSize'),
    fileType: checkKey(file.fileType, 'file.fileType', 64),
    mimeType: checkKey(file.mimeType, 'file.mimeType', 255),
    isVideo: file.isVideo,
    title: checkOptionalTitle(file.title, 'file.title'),
    expiresAt,
  };
}

export function checkUnreachable(value: unknown): void {
  if (value !== null && value !== 'blocked' && value !== 'deactivated') {
    throw invalidArgument('reason', "'blocked', 'deactivated' or null", value);
  }
}

export function checkWindow(key: unknown, windowMs: unknown, limit: unknown): void {
  checkKey(key, 'key', 512);
  if (typeof windowMs !== 'number' || !Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw invalidArgument('windowMs', 'a positive integer', windowMs);
  }
  checkCount(limit, 'limit');
}

export function pageLimit(page: PageRequest | undefined): number {
  const limit = page?.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw invalidArgument('page.limit', `an integer from 1 to ${MAX_PAGE_SIZE}`, limit);
  }
  return limit;
}

/** 'YYYY-MM' of an instant, in UTC, so every instance agrees on where a month ends. */
export function monthKey(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function checkMonth(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{4}-(0[1-9]|1[0-2])$/.test(value)) {
    throw invalidArgument('month', "a 'YYYY-MM' string", value);
  }
  return value;
}

export function checkJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw invalidArgument('value', 'JSON-serialisable', value);
  }
  // JSON.stringify silently drops or nulls what JSON cannot hold; refuse instead of storing something else.
  if (text === undefined || !sameJson(value, JSON.parse(text) as JsonValue)) {
    throw invalidArgument('value', 'a plain JSON value (no undefined, functions, NaN, Dates or class instances)', value);
  }
  return text;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => sameJson(v, b[i]));
  if (typeof a === 'object' && a !== null && Object.getPrototypeOf(a) === Object.prototype) {
    if (typeof b !== 'object' || b === null || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

// Cursors are opaque to callers: base64url of a small tagged tuple, checked strictly when decoded.

export function encodeUserCursor(userId: number): string {
  return Buffer.from(`u:${userId}`).toString('base64url');
}

export function decodeUserCursor(cursor: string | null | undefined): number | null {
  if (cursor === undefined || cursor === null) return null;
  const m = typeof cursor === 'string' ? /^u:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  const id = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(id)) throw invalidCursor();
  return id;
}

export function encodeFileCursor(uploadDate: Date, id: string): string {
  return Buffer.from(`f:${uploadDate.getTime()}:${id}`).toString('base64url');
}

export function decodeFileCursor(cursor: string | null | undefined): { uploadDate: Date; id: string } | null {
  if (cursor === undefined || cursor === null) return null;
  const m = typeof cursor === 'string' ? /^f:(\d{1,15}):([A-Za-z0-9_-]{12})$/.exec(Buffer.from(cursor, 'base64url').toString()) : null;
  if (!m) throw invalidCursor();
  return { uploadDate: new Date(Number(m[1])), id: m[2]! };
}
