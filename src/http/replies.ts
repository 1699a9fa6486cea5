// Small complete responses (errors, HEAD, empty bodies). Each writes status, headers and end in one cork, and for
// HEAD reports the Content-Length the GET would have without sending a body.
import type { HttpResponse } from './uws.ts';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export const STATUS = {
  200: '200 OK',
  206: '206 Partial Content',
  304: '304 Not Modified',
  404: '404 Not Found',
  405: '405 Method Not Allowed',
  410: '410 Gone',
  416: '416 Range Not Satisfiable',
  429: '429 Too Many Requests',
  502: '502 Bad Gateway',
  503: '503 Service Unavailable',
} as const;

export type Status = keyof typeof STATUS;

export function writeHead(res: HttpResponse, status: Status, headers: HeaderList): void {
  res.writeStatus(STATUS[status]);
  for (const [name, value] of headers) res.writeHeader(name, value);
}

/**
 * Ends the response with `body`, or for HEAD with the same headers and no body. uWS writes Content-Length itself
 * for end(); for HEAD it is written here and endWithoutBody() is called without a length, because
 * endWithoutBody(n) with n > 0 leaves uWS waiting for n body bytes and the keep-alive connection stuck.
 */
export function sendComplete(res: HttpResponse, head: boolean, status: Status, headers: HeaderList, body: Uint8Array | string = ''): void {
  res.cork(() => {
    writeHead(res, status, headers);
    if (head) {
      res.writeHeader('Content-Length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length));
      res.endWithoutBody();
    } else {
      res.end(body);
    }
  });
}

/** HEAD for a streamed body: the headers of the GET, its Content-Length, no body. */
export function sendHead(res: HttpResponse, status: Status, headers: HeaderList, contentLength: number): void {
  res.cork(() => {
    writeHead(res, status, headers);
    res.writeHeader('Content-Length', String(contentLength));
    res.endWithoutBody();
  });
}

/** 304: validators only, no body and no Content-Length (RFC 9110 §15.4.5). */
export function sendNotModified(res: HttpResponse, headers: HeaderList): void {
  res.cork(() => {
    writeHead(res, 304, headers);
    res.endWithoutBody();
  });
}

const TEXT: HeaderList = [['Content-Type', 'text/plain; charset=utf-8']];

export function sendText(res: HttpResponse, head: boolean, status: Status, text: string, extra: HeaderList = []): void {
  sendComplete(res, head, status, [...TEXT, ...extra], `${text}\n`);
}

const JSON_TYPE: HeaderList = [['Content-Type', 'application/json; charset=utf-8']];

export function sendJson(res: HttpResponse, head: boolean, status: Status, body: string, extra: HeaderList = []): void {
  sendComplete(res, head, status, [...JSON_TYPE, ...extra], `${body}\n`);
}

const HTML_TYPE: HeaderList = [['Content-Type', 'text/html; charset=utf-8'], ['Cache-Control', 'no-store']];
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A short page a person reads in a browser (a link that is gone, a quota that is used up). */
export function sendPage(res: HttpResponse, head: boolean, status: Status, title: string, text: string, extra: HeaderList = []): void {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>`
    + `<body style="font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>\n`;
  sendComplete(res, head, status, [...HTML_TYPE, ...extra], body);
}
