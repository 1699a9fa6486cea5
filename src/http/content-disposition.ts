// Content-Disposition per RFC 6266 with the RFC 8187 (ex-5987) `filename*` parameter for any Unicode name, plus an
// ASCII `filename` for old clients. Whatever the stored name holds, the result is printable ASCII only, so no quote,
// backslash, CR/LF or control character can end the parameter or the header line.
// https://www.rfc-editor.org/rfc/rfc6266#section-4.3

export type DispositionType = 'attachment' | 'inline';

const FALLBACK_NAME = 'file';
const MAX_NAME_CHARS = 255;

// RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~"
const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;
const encoder = new TextEncoder();

export function contentDisposition(type: DispositionType, fileName: string): string {
  const name = cleanName(fileName);
  return `${type}; filename="${asciiFallback(name)}"; filename*=UTF-8''${encodeExtValue(name)}`;
}

/**
 * Drops control characters (C0, DEL, C1, Unicode line/paragraph separators and the bidi overrides that make
 * "gpj.exe" look like "exe.jpg"), turns path separators into `_`, trims, and caps the length.
 */
export function cleanName(fileName: string): string {
  const cleaned = Array.from(fileName.normalize('NFC'))
    .filter((ch) => !/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069]/.test(ch))
    .map((ch) => (ch === '/' || ch === '\\' ? '_' : ch))
    .join('')
    .trim();
  const capped = Array.from(cleaned).slice(0, MAX_NAME_CHARS).join('');
  return capped === '' ? FALLBACK_NAME : capped;
}

/**
 * Printable ASCII without `"`, `\`, `%` (some browsers percent-decode `filename`) or `;` (naive parsers split on
 * it even inside quotes); everything else becomes `_`.
 * Accents are stripped first so "café.mp4" falls back to "cafe.mp4" rather than "caf_.mp4".
 */
function asciiFallback(name: string): string {
  const out = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  return out.trim() === '' ? FALLBACK_NAME : out;
}

/** Percent-encodes the UTF-8 bytes of `value` outside attr-char. Lone surrogates become U+FFFD, never a throw. */
function encodeExtValue(value: string): string {
  let out = '';
  for (const byte of encoder.encode(value)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
