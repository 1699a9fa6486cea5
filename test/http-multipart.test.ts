import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newBoundary, planMultipart } from '../src/http/multipart.ts';
import { boundaryOf, parseMultipart } from './support/http-multipart.ts';

test('the planned Content-Length equals the bytes of the framed body', () => {
  const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
  const ranges = [{ start: 30, end: 35 }, { start: 0, end: 0 }, { start: 10, end: 19 }];
  const plan = planMultipart(ranges, data.length, 'text/plain', 'BOUNDARY');
  const body = Buffer.concat([
    ...plan.parts.flatMap((p) => [Buffer.from(p.head), data.subarray(p.range.start, p.range.end + 1)]),
    Buffer.from(plan.tail),
  ]);
  assert.equal(plan.contentLength, body.length);
  assert.equal(plan.contentType, 'multipart/byteranges; boundary=BOUNDARY');
  const parts = parseMultipart(body, boundaryOf(plan.contentType));
  assert.deepEqual(
    parts.map((p) => [p.headers['content-range'], p.headers['content-type'], p.body.toString()]),
    [
      ['bytes 30-35/36', 'text/plain', 'uvwxyz'],
      ['bytes 0-0/36', 'text/plain', '0'],
      ['bytes 10-19/36', 'text/plain', 'abcdefghij'],
    ],
  );
});

test('boundaries are random but of fixed length, so HEAD and GET agree on Content-Length', () => {
  const a = newBoundary();
  const b = newBoundary();
  assert.notEqual(a, b);
  assert.equal(a.length, b.length);
  assert.match(a, /^[0-9A-Za-z_]{1,70}$/); // RFC 2046 bchars, max 70
  const ranges = [{ start: 0, end: 1 }, { start: 5, end: 6 }];
  assert.equal(planMultipart(ranges, 10, 'video/mp4').contentLength, planMultipart(ranges, 10, 'video/mp4').contentLength);
});

test('a single range is not multipart', () => {
  assert.throws(() => planMultipart([{ start: 0, end: 1 }], 10, 'x/y'), RangeError);
});
