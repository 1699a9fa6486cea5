import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentRange, parseRange, unsatisfiedRange } from '../src/http/range.ts';

const partial = (...ranges: Array<[number, number]>) => ({ kind: 'partial', ranges: ranges.map(([start, end]) => ({ start, end })) });

test('no Range header means the full file', () => {
  assert.deepEqual(parseRange(undefined, 100), { kind: 'full', reason: 'absent' });
  assert.deepEqual(parseRange('', 100), { kind: 'full', reason: 'absent' });
});

test('the three byte-range forms of RFC 9110 §14.1.2', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), partial([0, 9]));
  assert.deepEqual(parseRange('bytes=90-', 100), partial([90, 99]));
  assert.deepEqual(parseRange('bytes=-10', 100), partial([90, 99]));
  assert.deepEqual(parseRange('bytes=0-0', 1), partial([0, 0]));
  assert.deepEqual(parseRange('bytes=-1', 1), partial([0, 0]));
});

test('last-pos past the end is clamped, a suffix longer than the file is the whole file', () => {
  assert.deepEqual(parseRange('bytes=50-1000', 100), partial([50, 99]));
  assert.deepEqual(parseRange('bytes=-1000', 100), partial([0, 99]));
  assert.deepEqual(parseRange(`bytes=0-${'9'.repeat(400)}`, 100), partial([0, 99]));
  assert.deepEqual(parseRange(`bytes=-${'9'.repeat(400)}`, 100), partial([0, 99]));
});

test('the unit is case-insensitive and list whitespace and empty elements are accepted', () => {
  assert.deepEqual(parseRange('Bytes=0-1', 10), partial([0, 1]));
  assert.deepEqual(parseRange('BYTES=0-1', 10), partial([0, 1]));
  assert.deepEqual(parseRange('bytes= 0-1 ,\t, 5-6 ', 10), partial([0, 1], [5, 6]));
});

test('syntactically invalid headers are ignored', () => {
  for (const h of [
    'bytes', 'bytes=', 'bytes=,', 'bytes=abc', 'bytes=1', 'bytes=--1', 'bytes=1-2-3', 'bytes=-', 'bytes=5-2',
    'bytes=0x1-2', 'bytes=+1-2', 'bytes=1.5-2', 'bytes =0-1', '=0-1', 'bytes=0-1,x', 'bytes=0 - 1', 'bytes=-1-',
  ]) {
    assert.deepEqual(parseRange(h, 100), { kind: 'full', reason: 'invalid' }, h);
  }
});

test('a unit other than bytes is ignored', () => {
  assert.deepEqual(parseRange('items=0-1', 100), { kind: 'full', reason: 'unit' });
  assert.deepEqual(parseRange('none=0-1', 100), { kind: 'full', reason: 'unit' });
});

test('unsatisfiable: every range starts past the end, or is a zero suffix', () => {
  assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=100-200', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=200-300, -0', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange(`bytes=${'9'.repeat(400)}-`, 100), { kind: 'unsatisfiable' });
});

test('unsatisfiable members of a set are dropped when others are satisfiable', () => {
  assert.deepEqual(parseRange('bytes=200-300, 0-1', 100), partial([0, 1]));
  assert.deepEqual(parseRange('bytes=-0,5-6,7-8', 100), partial([5, 8]));
});

test('any valid Range on a zero-byte file is unsatisfiable; an invalid one is still ignored', () => {
  for (const h of ['bytes=0-', 'bytes=0-0', 'bytes=-1', 'bytes=-0', 'bytes=0-1,3-4']) {
    assert.deepEqual(parseRange(h, 0), { kind: 'unsatisfiable' }, h);
  }
  assert.deepEqual(parseRange('bytes=x', 0), { kind: 'full', reason: 'invalid' });
  assert.deepEqual(parseRange('items=0-1', 0), { kind: 'full', reason: 'unit' });
});

test('overlapping and adjacent ranges are coalesced, parts keep request order', () => {
  assert.deepEqual(parseRange('bytes=0-9,5-14', 100), partial([0, 14]));
  assert.deepEqual(parseRange('bytes=0-9,10-19', 100), partial([0, 19]));
  assert.deepEqual(parseRange('bytes=50-59,0-9', 100), partial([50, 59], [0, 9]));
  assert.deepEqual(parseRange('bytes=50-59,0-9,55-60', 100), partial([50, 60], [0, 9]));
  assert.deepEqual(parseRange('bytes=20-29,0-4,8-9,3-7', 100), partial([20, 29], [0, 9]));
  assert.deepEqual(parseRange('bytes=0-1,3-4', 100), partial([0, 1], [3, 4]));
});

test('more than maxRanges specs is ignored (200), up to it is served', () => {
  const specs = (n: number) => 'bytes=' + Array.from({ length: n }, (_, i) => `${i * 4}-${i * 4 + 1}`).join(',');
  assert.equal(parseRange(specs(16), 1000).kind, 'partial');
  assert.deepEqual(parseRange(specs(17), 1000), { kind: 'full', reason: 'too-many' });
  assert.deepEqual(parseRange(specs(3), 1000, { maxRanges: 2 }), { kind: 'full', reason: 'too-many' });
  // The cap counts specs as sent, before coalescing, to bound the work a header can cause.
  assert.deepEqual(parseRange('bytes=' + Array(17).fill('0-1').join(','), 1000), { kind: 'full', reason: 'too-many' });
});

test('ranges that together ask for more than the file are answered with the file', () => {
  assert.deepEqual(parseRange('bytes=0-59,40-99', 100), { kind: 'full', reason: 'oversized' });
  assert.deepEqual(parseRange('bytes=0-,0-', 100), { kind: 'full', reason: 'oversized' });
  assert.deepEqual(parseRange('bytes=0-49,50-99', 100), partial([0, 99]));
});

test('a size that is not a non-negative safe integer is a programming error', () => {
  assert.throws(() => parseRange('bytes=0-1', -1), RangeError);
  assert.throws(() => parseRange('bytes=0-1', 1.5), RangeError);
});

test('Content-Range values', () => {
  assert.equal(contentRange({ start: 0, end: 9 }, 100), 'bytes 0-9/100');
  assert.equal(unsatisfiedRange(0), 'bytes */0');
});

test('random valid ranges always resolve inside the file', () => {
  let seed = 7;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  for (let i = 0; i < 2000; i++) {
    const size = rnd(5000);
    const a = rnd(6000);
    const b = a + rnd(3000);
    const form = rnd(3);
    const h = form === 0 ? `bytes=${a}-${b}` : form === 1 ? `bytes=${a}-` : `bytes=-${b}`;
    const d = parseRange(h, size);
    if (d.kind === 'partial') {
      for (const r of d.ranges) assert.ok(r.start >= 0 && r.start <= r.end && r.end < size, `${h} on ${size}`);
    } else {
      assert.equal(d.kind, 'unsatisfiable', `${h} on ${size}`);
      assert.ok(size === 0 || (form !== 2 ? a >= size : b === 0), `${h} on ${size}`);
    }
  }
});
