// Turning user-supplied strings (file names, captions) into text that is safe to show in Telegram HTML.

// C0/C1 controls, zero-width and bidi marks, overrides and isolates, line/paragraph separators: any of them can make
// a name look like something else ("gpj.exe" shown as "exe.jpg") or break the layout of the reply.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu;

export const MAX_NAME_CHARS = 120;
export const MAX_TITLE_CHARS = 300;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** One line of printable text: invisible characters dropped, whitespace runs (newlines too) made one space. */
export function oneLine(text: string, maxChars: number): string {
  const flat = text.normalize('NFC').replace(/[\r\n\t\u2028\u2029]+/g, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
  return truncate(flat, maxChars);
}

/** A file name for storage and display: one line, no path separators (so "../x" cannot read as a path), capped. */
export function cleanFileName(name: string): string {
  return oneLine(name.replace(/[/\\]/g, '_'), MAX_NAME_CHARS);
}

/** Cuts by code points (never through a surrogate pair) and marks the cut with an ellipsis. */
export function truncate(text: string, maxChars: number): string {
  const chars = Array.from(text);
  return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(0, maxChars - 1)).join('')}…`;
}

export function humanBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(2)} ${units[unit]}`;
}

/** "2024-05-01 13:04 UTC": dates users read, in one unambiguous zone. */
export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "3 h 12 min", "45 s": a wait a user can act on. */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
