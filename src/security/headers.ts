// Response headers that keep browsers from misreading or misusing what the server sends: no MIME sniffing, no
// framing, no referrer leaking link ids, a strict CSP for pages, and HSTS when the public address is HTTPS.
import type { HeaderList, RouteKind } from '../http/routes/types.ts';

/** Pages load only their own scripts, styles and media; nothing inline, no plugins, no forms, no framing. */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// A file body is whatever was uploaded, served inline by /stream with the uploader's MIME type: an HTML or SVG file
// opened directly must not run script on this origin. `sandbox` gives such a document a unique origin without
// scripts; media documents (a video opened directly) still play. Chrome does not show PDFs in a sandboxed document:
// /dl still downloads them.
export const FILE_CSP = "sandbox; frame-ancestors 'none'";

const OTHER_CSP = "frame-ancestors 'none'";

/** One year, the value hstspreload.org asks for; subdomains are left alone because they may not be ours. */
export const HSTS = 'max-age=31536000';

export function securityHeaders(kind: RouteKind, https: boolean): HeaderList {
  const headers: [string, string][] = [
    ['X-Content-Type-Options', 'nosniff'],
    ['Referrer-Policy', 'no-referrer'],
    ['X-Frame-Options', 'DENY'],
    ['Content-Security-Policy', kind === 'page' ? PAGE_CSP : kind === 'file' ? FILE_CSP : OTHER_CSP],
    // Players on other sites embed file URLs in <video> and <audio> (no-cors requests): those must stay loadable.
    ['Cross-Origin-Resource-Policy', kind === 'file' ? 'cross-origin' : 'same-origin'],
  ];
  if (https) headers.push(['Strict-Transport-Security', HSTS]);
  return headers;
}
