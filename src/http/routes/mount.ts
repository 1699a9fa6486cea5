// Puts route modules on the uWS app: reads each request once, runs the policy (security, CORS, limits) before the
// route and adds its headers after, enforces methods and body limits, and writes plain responses in one cork.
import { STATUS_CODES } from 'node:http';
import type { HttpLogger } from '../logger.ts';
import type { HttpResponse, TemplatedApp } from '../uws.ts';
import { paramNames, readRequest } from './request.ts';
import type { HeaderList, HttpPolicy, Route, RouteRequest, RouteResponse } from './types.ts';

const TEXT = 'text/plain; charset=utf-8';

/** Writes a plain response (HEAD: headers and Content-Length only) unless the client went away. */
export function writeResponse(res: HttpResponse, head: boolean, r: RouteResponse, extra: HeaderList = []): void {
  const body = r.body ?? '';
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  res.cork(() => {
    res.writeStatus(`${r.status} ${STATUS_CODES[r.status] ?? 'Unknown'}`);
    for (const [name, value] of [...(r.headers ?? []), ...extra]) res.writeHeader(name, value);
    // 204 and 304 carry no body and no length (RFC 9110 §8.6).
    if (r.status === 204 || r.status === 304) return void res.endWithoutBody();
    if (head) {
      res.writeHeader('Content-Length', String(length));
      res.endWithoutBody();
    } else {
      res.end(body);
    }
  });
}

export const textResponse = (status: number, text: string, headers: HeaderList = []): RouteResponse => ({ status, headers: [['Content-Type', TEXT], ...headers], body: `${text}\n` });

function allowed(route: Route): string[] {
  const methods = new Set(route.methods);
  if (methods.has('get')) methods.add('head');
  return [...methods];
}

/** Reads a request body up to `max` bytes; resolves null when it is larger (the caller answers 413). */
function readBody(res: HttpResponse, max: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    let over = false;
    res.onData((chunk, last) => {
      if (!over) {
        size += chunk.byteLength;
        if (size > max) over = true;
        // uWS reuses the chunk's memory after this callback: copy it.
        else parts.push(Buffer.from(new Uint8Array(chunk).slice()));
      }
      if (last) resolve(over ? null : Buffer.concat(parts));
    });
  });
}

export function mountRoutes(app: TemplatedApp, routes: readonly Route[], policy: HttpPolicy, logger: HttpLogger): void {
  for (const route of routes) {
    const names = paramNames(route.pattern);
    const methods = allowed(route);
    const allow = methods.map((m) => m.toUpperCase()).join(', ');
    app.any(route.pattern, (res, uwsReq) => {
      const base = readRequest(res, uwsReq, names);
      const req: RouteRequest = { ...base, ip: policy.clientIp ? policy.clientIp(base.peer, base.headers) : base.peer };
      const head = req.method === 'head';
      const extraFor = (status: number) => policy.headers?.(req, route, status) ?? [];
      const contentLength = Number(req.headers['content-length'] ?? 0);
      let aborted = false;
      const answer = (r: RouteResponse) => {
        if (!aborted) writeResponse(res, head, r, extraFor(r.status));
      };
      const fail = (err: unknown) => {
        logger.error({ err, route: route.name }, 'route failed');
        // No stack, no path: the client learns only that it failed.
        answer(textResponse(500, 'internal error'));
      };
      // Past the policy: methods, then the route. A file route takes over in the request's own tick when the policy
      // decided synchronously (uWS needs onAborted set before the handler returns, which FileResponse does).
      const proceed = (): void | Promise<void> => {
        if (!methods.includes(req.method)) return answer(textResponse(405, 'method not allowed', [['Allow', allow]]));
        if (route.takeOver) return route.takeOver(res, req, extraFor(200));
        const max = route.maxBodyBytes ?? 0;
        if (contentLength > max) return answer(textResponse(413, `request body too large (at most ${max} bytes)`));
        res.onAborted(() => { aborted = true; });
        return (async () => {
          if (max > 0 && contentLength > 0) {
            const body = await readBody(res, max);
            if (aborted) return;
            if (body === null) return answer(textResponse(413, `request body too large (at most ${max} bytes)`));
            req.body = body;
          }
          answer(await route.handle!(req));
        })().catch(fail);
      };
      let early: RouteResponse | undefined | Promise<RouteResponse | undefined>;
      try {
        early = policy.before?.(req, route);
      } catch (err) {
        return fail(err);
      }
      if (!(early instanceof Promise)) return early ? answer(early) : void proceed();
      res.onAborted(() => { aborted = true; });
      early.then((r) => {
        if (aborted) return;
        if (r) return answer(r);
        return proceed();
      }).catch(fail);
    });
  }
}
