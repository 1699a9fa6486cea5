// The reply plan: validators and caching headers, If-None-Match, If-Range by ETag or by date, ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReply, FILE_CACHE_CONTROL } from '../src/http/reply-plan.ts';
import type { FileInfo } from '../src/streaming/types.ts';

const stored = new Date('2026-11-02T10:20:30.000Z');
const info: FileInfo = { id: 'abc', size: 1000, mimeType: 'video/mp4', fileName: 'a.mp4', etag: '"doc-1"', lastModified: stored };
const req = (h: Partial<{ range: string; ifRange: string; ifNoneMatch: string }> = {}) => ({ disposition: 'inline' as const, range: '', ifRange: '', ifNoneMatch: '', ...h });
const header = (headers: ReadonlyArray<readonly [string, string]>, name: string) => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

test('a full reply carries ETag, Last-Modified and Cache-Control', () => {
  const plan = planReply(info, req(), { maxRanges: 16 });
  assert.equal(plan.kind, 'body');
  assert.equal(plan.kind === 'body' && plan.status, 200);
  assert.equal(header(plan.headers, 'etag'), '"doc-1"');
  assert.equal(header(plan.headers, 'last-modified'), 'Mon, 02 Nov 2026 10:20:30 GMT');
  assert.equal(header(plan.headers, 'cache-control'), FILE_CACHE_CONTROL);
});

test('If-Range honours the ETag and the exact Last-Modified date; anything else gets the whole file', () => {
  const ranged = (ifRange: string, file: FileInfo = info) => {
    const plan = planReply(file, req({ range: 'bytes=0-9', ifRange }), { maxRanges: 16 });
    return plan.kind === 'body' ? plan.status : plan.kind;
  };
  assert.equal(ranged('"doc-1"'), 206);
  assert.equal(ranged(stored.toUTCString()), 206);
  assert.equal(ranged('Mon, 02 Nov 2026 10:20:31 GMT'), 200);
  assert.equal(ranged('"doc-2"'), 200);
  assert.equal(ranged('W/"doc-1"'), 200);
  assert.equal(ranged(stored.toUTCString(), { ...info, lastModified: undefined }), 200, 'no date to match without Last-Modified');
});

test('a matching If-None-Match is not modified; an unsatisfiable range says the size', () => {
  const nm = planReply(info, req({ ifNoneMatch: '"doc-1"' }), { maxRanges: 16 });
  assert.equal(nm.kind, 'not-modified');
  assert.equal(header(nm.headers, 'last-modified'), stored.toUTCString());
  const bad = planReply(info, req({ range: 'bytes=5000-' }), { maxRanges: 16 });
  assert.equal(bad.kind, 'unsatisfiable');
  assert.equal(header(bad.headers, 'content-range'), 'bytes */1000');
});
