import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentType, DEFAULT_MIME_TYPE, formatEtag, ifRangeMatches } from '../src/http/headers.ts';

test('Content-Type keeps valid media types and falls back otherwise', () => {
  assert.equal(contentType('video/mp4'), 'video/mp4');
  assert.equal(contentType('text/plain; charset=utf-8'), 'text/plain; charset=utf-8');
  assert.equal(contentType('text/plain;charset="utf-8"'), 'text/plain;charset="utf-8"');
  for (const bad of ['', undefined, 'video', 'video/', '/mp4', 'video/mp4\r\nSet-Cookie: a=b', 'vidéo/mp4', 'a/b; x', 'a b/c']) {
    assert.equal(contentType(bad), DEFAULT_MIME_TYPE, String(bad));
  }
});

test('ETag: well-formed tags pass, anything else is quoted with unsafe characters dropped', () => {
  assert.equal(formatEtag('"abc"'), '"abc"');
  assert.equal(formatEtag('W/"abc"'), 'W/"abc"');
  assert.equal(formatEtag('abc123'), '"abc123"');
  assert.equal(formatEtag('a"b\r\nX: y'), '"abX:y"');
  assert.equal(formatEtag(''), '""');
});

test('If-Range uses the strong comparison of RFC 9110 §8.8.3.2', () => {
  assert.equal(ifRangeMatches('"abc"', '"abc"'), true);
  assert.equal(ifRangeMatches(' "abc" ', '"abc"'), true);
  assert.equal(ifRangeMatches('"abd"', '"abc"'), false);
  assert.equal(ifRangeMatches('W/"abc"', '"abc"'), false);
  assert.equal(ifRangeMatches('"abc"', 'W/"abc"'), false);
  assert.equal(ifRangeMatches('abc', '"abc"'), false);
  // An HTTP-date never matches: FileInfo has no modification time to compare against.
  assert.equal(ifRangeMatches('Wed, 21 Oct 2015 07:28:00 GMT', '"abc"'), false);
});
