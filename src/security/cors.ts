// CORS for the API and the file routes: players and pages on the listed origins may fetch byte ranges and call the
// API from scripts. Only exact origins are listed; a wildcard would let any site read the API with a stolen token.
import type { HeaderList, RouteKind, RouteRequest, RouteResponse } from '../http/routes/types.ts';
import { textResponse } from '../http/routes/mount.ts';

const ALLOWED_HEADERS = 'Range, Authorization, Content-Type';
/** Headers a script may read from a file response (Content-Length is readable anyway; listed for clarity). */
const FILE_EXPOSED = 'Content-Range, Content-Length, Accept-Ranges, ETag';
const METHODS: Readonly<Partial<Record<RouteKind, readonly string[]>>> = {
  file: ['get', 'head'],
  api: ['get', 'head', 'post', 'delete'],
};
/** Ten minutes: Chromium caps the preflight cache at two hours, Firefox at a day. */
export const PREFLIGHT_MAX_AGE_S = 600;

/**
 * Parses CORS_ALLOWED_ORIGINS entries into origins as browsers send them (`https://a.example`, `http://h:8080`).
 * Throws an Error naming an entry that is not a bare http(s) origin.
 */
export function parseOrigins(entries: readonly string[]): Set<string> {
  const origins = new Set<string>();
  for (const entry of entries) {
    const text = entry.trim();
    if (text === '') continue;
    let url: URL | null = null;
    try {
      url = new URL(text);
    } catch {
      // reported below
    }
    const bare = url !== null && (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === ''
      && url.search === '' && url.hash === '' && url.pathname === '/' && !text.endsWith('#') && !text.endsWith('?');
    if (!bare) throw new Error(`"${text}" is not an origin: write the scheme, host and port only, e.g. https://player.example or http://localhost:8080`);
    origins.add(url!.origin);
  }
  return origins;
}

export class Cors {
  readonly #origins: ReadonlySet<string>;

  constructor(origins: ReadonlySet<string>) {
    this.#origins = origins;
  }

  static appliesTo(kind: RouteKind): boolean {
    return METHODS[kind] !== undefined;
  }

  static isPreflight(req: RouteRequest): boolean {
    return req.method === 'options' && req.headers['access-control-request-method'] !== undefined;
  }

  /** Answers a preflight in the route's place; Access-Control-Allow-Origin comes from headers(). */
  preflight(req: RouteRequest, kind: RouteKind, routeMethods: readonly string[]): RouteResponse {
    const origin = req.headers.origin;
    if (origin === undefined || !this.#origins.has(origin)) return textResponse(403, 'origin not allowed');
    const served = new Set(routeMethods);
    if (served.has('get')) served.add('head');
    const methods = METHODS[kind]!.filter((m) => served.has(m));
    const asked = req.headers['access-control-request-method']!.trim().toLowerCase();
    if (!methods.includes(asked)) return textResponse(403, 'method not allowed for cross-origin requests');
    return {
      status: 204,
      headers: [
        ['Access-Control-Allow-Methods', methods.map((m) => m.toUpperCase()).join(', ')],
        ['Access-Control-Allow-Headers', ALLOWED_HEADERS],
        ['Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE_S)],
        ['Vary', 'Access-Control-Request-Method, Access-Control-Request-Headers'],
      ],
    };
  }

  /** Headers for any answer of a CORS route, the preflight's included; none when no origin is configured. */
  headers(req: RouteRequest, kind: RouteKind): HeaderList {
    if (this.#origins.size === 0) return [];
    // The answer differs by Origin, so caches must keep one copy per origin even when this one has none.
    const out: [string, string][] = [['Vary', 'Origin']];
    const origin = req.headers.origin;
    if (origin === undefined || !this.#origins.has(origin)) return out;
    out.push(['Access-Control-Allow-Origin', origin]);
    if (kind === 'file' && !Cors.isPreflight(req)) out.push(['Access-Control-Expose-Headers', FILE_EXPOSED]);
    return out;
  }
}
