// Parses a multipart/byteranges body (RFC 9110 §14.6, RFC 2046 §5.1.1) strictly enough to catch framing mistakes.

export interface Part {
  headers: Record<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string | undefined): string {
  const m = /^multipart\/byteranges;\s*boundary=("?)([^";]+)\1$/.exec(contentType ?? '');
  if (!m) throw new Error(`not multipart/byteranges: ${contentType}`);
  return m[2]!;
}

export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter)) throw new Error('body does not start with the boundary');
  const close = Buffer.from(`\r\n--${boundary}--\r\n`);
  if (!body.subarray(body.length - close.length).equals(close)) throw new Error('body does not end with the close delimiter');
  const parts: Part[] = [];
  const inner = Buffer.from(`\r\n--${boundary}`);
  let pos = delimiter.length;
  for (;;) {
    if (body.subarray(pos, pos + 2).toString() === '--') break;
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw new Error(`no CRLF after boundary at ${pos}`);
    pos += 2;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new Error('part headers not terminated');
    const headers: Record<string, string> = {};
    for (const line of body.subarray(pos, headEnd).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
    }
    const start = headEnd + 4;
    const next = body.indexOf(inner, start);
    if (next < 0) throw new Error('part not terminated');
    parts.push({ headers, body: body.subarray(start, next) });
    pos = next + inner.length;
  }
  return parts;
}
