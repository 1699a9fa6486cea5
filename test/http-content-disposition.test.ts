import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanName, contentDisposition } from '../src/http/content-disposition.ts';
import { createHttpServer } from '../src/http/index.ts';
import { headerValues, rawRequest, request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';

/** Reads filename* back the way a client does (RFC 8187 ext-value). */
function decodeExt(header: string): string {
  const m = /filename\*=UTF-8''([^;\s]*)/.exec(header);
  assert.ok(m, `no filename* in ${header}`);
  return decodeURIComponent(m[1]!);
}

function fallback(header: string): string {
  const m = /filename="([^"]*)"/.exec(header);
  assert.ok(m, `no filename in ${header}`);
  return m[1]!;
}

function assertSafe(header: string): void {
  assert.match(header, /^[\x20-\x7e]*$/, 'only printable ASCII reaches the header');
  // Exactly three parameters: the type, filename and filename*; nothing a client could read as more.
  assert.equal(header.split(';').length, 3, header);
  assert.equal((header.match(/"/g) ?? []).length, 2, header);
}

test('plain ASCII names round-trip in both parameters', () => {
  const h = contentDisposition('attachment', 'movie.mp4');
  assert.equal(h, `attachment; filename="movie.mp4"; filename*=UTF-8''movie.mp4`);
  assert.equal(contentDisposition('inline', 'a b.txt'), `inline; filename="a b.txt"; filename*=UTF-8''a%20b.txt`);
});

test('Unicode names survive in filename* and get a readable ASCII fallback', () => {
  for (const name of ['café.mp4', 'Фильм 2024.mkv', '日本語のファイル.zip', '😀 emoji 🎬.mov', 'ﬁle.pdf', 'naïve – “quotes”.txt']) {
    const h = contentDisposition('attachment', name);
    assertSafe(h);
    assert.equal(decodeExt(h), name.normalize('NFC'));
  }
  assert.equal(fallback(contentDisposition('attachment', 'café.mp4')), 'cafe.mp4');
  assert.equal(fallback(contentDisposition('attachment', '日本.zip')), '__.zip');
});

test('quotes, backslashes and percent signs never end or alter the fallback', () => {
  const h = contentDisposition('attachment', 'a"b\\c%41d.txt');
  assertSafe(h);
  assert.equal(fallback(h), 'a_b_c_41d.txt');
  assert.equal(decodeExt(h), 'a"b_c%41d.txt');
});

test('CR/LF injection attempts and control characters are removed', () => {
  for (const name of [
    'evil.txt\r\nSet-Cookie: x=1',
    'evil.txt\nLocation: http://x',
    'a\u0000b\u0007c\u001bd\u007fe\u0085f.txt',
    'x\u2028y\u2029z.txt',
    '"; filename="other.exe',
  ]) {
    const h = contentDisposition('attachment', name);
    assertSafe(h);
    assert.doesNotMatch(decodeExt(h), /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  }
  assert.equal(decodeExt(contentDisposition('inline', 'evil.txt\r\nSet-Cookie: x=1')), 'evil.txtSet-Cookie: x=1');
});

test('bidi overrides cannot disguise an extension', () => {
  assert.equal(decodeExt(contentDisposition('attachment', 'photo\u202Egpj.exe')), 'photogpj.exe');
});

test('path separators become underscores, empty names become "file"', () => {
  assert.equal(cleanName('../../etc/passwd'), '.._.._etc_passwd');
  assert.equal(cleanName('C:\\Windows\\x.dll'), 'C:_Windows_x.dll');
  assert.equal(cleanName(''), 'file');
  assert.equal(cleanName('\r\n\t  '), 'file');
  assert.equal(fallback(contentDisposition('attachment', '\u0000')), 'file');
});

test('lone surrogates do not throw and are encoded as U+FFFD', () => {
  const h = contentDisposition('attachment', 'bad\uD800name.txt');
  assertSafe(h);
  assert.equal(decodeExt(h), 'bad\uFFFDname.txt');
});

test('very long names are capped at 255 characters', () => {
  const h = contentDisposition('attachment', 'é'.repeat(1000));
  assert.equal(Array.from(decodeExt(h)).length, 255);
});

test('through the server: nasty stored names reach the wire as one safe header', async () => {
  const names = {
    crlf: 'clip.mp4\r\nSet-Cookie: owned=1\r\n\r\n<html>',
    unicode: 'Фильм «лучший» 😀.mkv',
    quotes: 'say "hi" \\ to ;all.txt',
  };
  const source = new MemorySource(Object.entries(names).map(([id, fileName]) => ({ id, fileName, data: patternBytes(10) })));
  const server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
  try {
    for (const [id, name] of Object.entries(names)) {
      const raw = await rawRequest(server.port, `GET /dl/${id} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
      assert.equal(raw.status, 200);
      assert.equal(headerValues(raw, 'set-cookie').length, 0, id);
      const values = headerValues(raw, 'content-disposition');
      assert.equal(values.length, 1, id);
      assertSafe(values[0]!);
      assert.equal(raw.body.length, 10, `${id}: the body is exactly the file`);
      const viaClient = await request(server.port, `/stream/${id}`);
      assert.equal(decodeExt(viaClient.headers['content-disposition']!), cleanName(name));
      assert.ok(viaClient.headers['content-disposition']!.startsWith('inline; '));
    }
  } finally {
    await server.close();
  }
});
