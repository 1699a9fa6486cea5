// Reads a uWS request into plain data at once: HttpRequest is invalid after the handler returns.
import { normaliseIp } from '../client-limits.ts';
import type { HttpRequest, HttpResponse } from '../uws.ts';
import type { RouteRequest } from './types.ts';

/** Names of the `:param` segments of a pattern, in order (uWS hands values by index). */
export function paramNames(pattern: string): string[] {
  return pattern.split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1));
}

export function readRequest(res: HttpResponse, req: HttpRequest, names: readonly string[]): Omit<RouteRequest, 'ip'> {
  const headers: Record<string, string> = {};
  req.forEach((name, value) => {
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  });
  const params: Record<string, string> = {};
  names.forEach((name, i) => {
    const raw = req.getParameter(i) ?? '';
    try {
      params[name] = decodeURIComponent(raw);
    } catch {
      // A malformed escape can name nothing: keep it raw so the route answers "not found".
      params[name] = raw;
    }
  });
  return {
    method: req.getMethod(),
    path: req.getUrl(),
    query: new URLSearchParams(req.getQuery() ?? ''),
    headers,
    peer: normaliseIp(Buffer.from(res.getRemoteAddressAsText()).toString('latin1')),
    params,
  };
}
