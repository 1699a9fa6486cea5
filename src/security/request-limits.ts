// Bounds on a request head beyond what the HTTP parser enforces. uWS 20.30 keeps at most 50 header lines
// (HttpRequest::MAX_HEADERS) and the uws-front addon answers 431 to more than 48 fields or a head over 16 KiB
// (docs/http.md); without the addon uWS drops such requests unanswered. Routes here need a few hundred bytes of
// headers, so the policy holds heads to a smaller size and answers 431 itself.
import type { RouteRequest } from '../http/routes/types.ts';

export const DEFAULT_MAX_HEADER_BYTES = 8 * 1024;

/** Bytes of the header fields as sent: `name: value\r\n` each. */
export function headerBytes(req: RouteRequest): number {
  let total = 0;
  for (const [name, value] of Object.entries(req.headers)) total += name.length + value.length + 4;
  return total;
}
