// Builds the public URLs the server answers, so the bot and the server cannot disagree on their shape.
import { cleanName } from '../http/content-disposition.ts';

export interface FileLinks {
  /** `/dl/:id/:filename`, served as an attachment. */
  download: string;
  /** `/stream/:id/:filename`, served inline for players. */
  stream: string;
  /** `/watch/:id/:filename`, the player page. */
  watch: string;
}

/**
 * `baseUrl` is the public origin (and optional path prefix) the server is reachable at, e.g. `https://dl.example.org`.
 * The id and the name are percent-encoded as single path segments; the name is cleaned as in Content-Disposition.
 */
export function fileLinks(baseUrl: string, id: string, fileName: string): FileLinks {
  const base = new URL(baseUrl);
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`baseUrl must be an http(s) URL (got ${baseUrl})`);
  const prefix = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;
  const tail = `${encodeSegment(id)}/${encodeSegment(cleanName(fileName))}`;
  return { download: `${prefix}/dl/${tail}`, stream: `${prefix}/stream/${tail}`, watch: `${prefix}/watch/${tail}` };
}

// encodeURIComponent throws on a lone surrogate; such a name still deserves a link.
function encodeSegment(value: string): string {
  return encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}
