// Header values that come from the file source (ETag, MIME type) are data, not trusted header text: each is checked
// here so that a stored value can never inject a header line.

export const DEFAULT_MIME_TYPE = 'application/octet-stream';

// type/subtype with optional parameters, all from the visible ASCII range (RFC 9110 §8.3.1).
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"))*$`);

export function contentType(mimeType: string | undefined): string {
  const value = (mimeType ?? '').trim();
  return value !== '' && value.length <= 255 && MEDIA_TYPE.test(value) ? value : DEFAULT_MIME_TYPE;
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3). obs-text is left
// out because uWS writes JavaScript strings as UTF-8.
const ENTITY_TAG = /^(W\/)?"[\x21\x23-\x7e]*"$/;

/** The source's validator as an entity-tag: kept when already well formed, else quoted with bad characters dropped. */
export function formatEtag(raw: string): string {
  if (ENTITY_TAG.test(raw)) return raw;
  return `"${raw.replace(/[^\x21\x23-\x7e]/g, '')}"`;
}

/**
 * If-Range (RFC 9110 §13.1.5): the Range applies only when the validator strongly matches the current ETag.
 * An HTTP-date is treated as a mismatch because FileInfo carries no modification time; a mismatch means 200.
 */
export function ifRangeMatches(ifRange: string, etag: string, lastModified?: Date): boolean {
  const value = ifRange.trim();
  if (value.startsWith('W/') || etag.startsWith('W/')) return false; // strong comparison never matches weak tags
  // An HTTP-date validator matches only the exact Last-Modified (RFC 9110 §13.1.5); a stored file never changes, so
  // its date is strong.
  if (!value.startsWith('"')) return lastModified !== undefined && value === lastModified.toUTCString();
  return value === etag;
}

/**
 * If-None-Match (RFC 9110 §13.1.2): weak comparison against the current ETag; "*" matches any current file.
 * A match means the client's copy is current (304), so no body is sent.
 */
export function ifNoneMatchMatches(ifNoneMatch: string, etag: string): boolean {
  const value = ifNoneMatch.trim();
  if (value === '') return false;
  if (value === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const current = opaque(etag);
  return value.split(',').some((tag) => opaque(tag) === current);
}
