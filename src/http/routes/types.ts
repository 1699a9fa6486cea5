// What a route module sees and answers. A request is read once, synchronously (uWS's HttpRequest is only valid
// during the handler call), into plain data; a route answers with a plain response the server writes, or, for file
// bodies, takes over the uWS response itself (routes/files.ts).
import type { HttpResponse } from '../uws.ts';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export interface RouteRequest {
  /** Lower case, as uWS reports it: 'get', 'head', 'post', 'delete', 'options', ... */
  method: string;
  /** The path, percent-encoded as sent, without the query. */
  path: string;
  query: URLSearchParams;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** The connecting peer's address (IPv4-mapped IPv6 turned into IPv4). */
  peer: string;
  /** The client's address: the peer, or from X-Forwarded-For when the peer is a trusted proxy (security policy). */
  ip: string;
  /** Path parameters by the names in the route pattern (`/api/files/:id` → { id }), percent-decoded. */
  params: Readonly<Record<string, string>>;
  /** The request body, read whole before the handler runs (routes that accept one; bounded). */
  body?: Buffer;
}

export interface RouteResponse {
  status: number;
  headers?: HeaderList;
  body?: string | Uint8Array;
}

/** What kind of answer a route gives, so a policy can choose headers (CSP for a page, CORS for the API). */
export type RouteKind = 'file' | 'page' | 'api' | 'probe' | 'metrics' | 'asset';

export interface Route {
  /** Stable name for logs and metrics, e.g. 'api.files.get'. */
  name: string;
  kind: RouteKind;
  /** uWS pattern: `/api/files/:id`; `*` at the end matches the rest. */
  pattern: string;
  /** Lower-case methods served; HEAD is served wherever GET is. Others get 405 with Allow. */
  methods: readonly string[];
  /** Largest body accepted (bytes); requests with a larger one get 413. Default 0: no body. */
  maxBodyBytes?: number;
  /** Answers with a plain response... */
  handle?: (req: RouteRequest) => RouteResponse | Promise<RouteResponse>;
  /** ...or writes the uWS response itself (file bodies). `extra` are the policy's headers to add. */
  takeOver?: (res: HttpResponse, req: RouteRequest, extra: HeaderList) => void;
}

/**
 * Runs around every route (security, CORS, rate limits). `before` may answer in the route's place (a refusal, a CORS
 * preflight); `headers` adds headers to whatever the route answers.
 */
export interface HttpPolicy {
  /** The client address for a peer and its headers (X-Forwarded-For from trusted proxies only). */
  clientIp?(peer: string, headers: Readonly<Record<string, string>>): string;
  before?(req: RouteRequest, route: Route): RouteResponse | undefined | Promise<RouteResponse | undefined>;
  headers?(req: RouteRequest, route: Route, status: number): HeaderList;
}
