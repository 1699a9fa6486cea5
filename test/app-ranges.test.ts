// Ranges end to end: session workers (real gramjs) against the sandbox DC, through the uWebSockets.js server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';

const MiB = 1 << 20;
const h = await startHarness({ sessions: 3 });
after(() => h.close());

// Deterministic pseudo-random ranges, so a failure can be replayed.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

const SIZES = [0, 1, 4095, MiB - 1, MiB, MiB + 1, 100 * MiB];

for (const size of SIZES) {
  test(`${size} B file: full GET, HEAD = GET headers, 500 random ranges, 416, multi-range`, async () => {
    const f = h.control.postFile(h.channel.id, { fileName: `f${size}.bin`, mimeType: 'application/octet-stream', size, dcId: size % 2 === 0 ? 1 : 2 });
    const url = `${h.base}/dl/${f.messageId}/f${size}.bin`;
    const expected = h.control.fileBytes(f.documentId, 0, size);

    const full = await get(url);
    assert.equal(full.status, 200);
    assert.equal(full.body.length, size);
    assert.ok(full.body.equals(expected), 'full body byte-exact');
    assert.equal(full.headers.get('accept-ranges'), 'bytes');

    const head = await get(url, {}, 'HEAD');
    for (const name of ['content-length', 'content-type', 'etag', 'accept-ranges', 'content-disposition']) {
      assert.equal(head.headers.get(name), full.headers.get(name), `HEAD ${name}`);
    }
    assert.equal(head.body.length, 0);

    if (size === 0) {
      const r = await get(url, { range: 'bytes=0-0' });
      assert.equal(r.status, 416);
      assert.equal(r.headers.get('content-range'), 'bytes */0');
      return;
    }

    const next = rng(size + 1);
    const maxLen = size > 10 * MiB ? 3 * MiB : size;
    const ranges = Array.from({ length: 500 }, () => {
      const kind = next();
      const start = Math.floor(next() * size);
      const len = 1 + Math.floor(next() * Math.min(maxLen, size - start));
      if (kind < 0.8) return { header: `bytes=${start}-${start + len - 1}`, start, end: start + len - 1 };
      if (kind < 0.9) {
        const from = Math.max(0, size - Math.min(len, 2 * MiB));
        return { header: `bytes=${from}-`, start: from, end: size - 1 };
      }
      const n = Math.min(len, size, 2 * MiB);
      return { header: `bytes=-${n}`, start: size - n, end: size - 1 };
    });
    let i = 0;
    const worker = async () => {
      while (i < ranges.length) {
        const r = ranges[i++]!;
        const res = await get(url, { range: r.header });
        assert.equal(res.status, 206, r.header);
        assert.equal(res.headers.get('content-range'), `bytes ${r.start}-${r.end}/${size}`);
        assert.ok(res.body.equals(expected.subarray(r.start, r.end + 1)), `bytes of ${r.header}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    const unsatisfiable = await get(url, { range: `bytes=${size}-` });
    assert.equal(unsatisfiable.status, 416);
    assert.equal(unsatisfiable.headers.get('content-range'), `bytes */${size}`);

    if (size >= 10) {
      const multi = await get(url, { range: `bytes=0-1,${size - 2}-${size - 1}` });
      assert.equal(multi.status, 206);
      const ct = multi.headers.get('content-type') ?? '';
      const boundary = /boundary=([^;]+)/.exec(ct)?.[1];
      assert.ok(ct.startsWith('multipart/byteranges') && boundary, ct);
      const text = multi.body.toString('latin1');
      assert.ok(text.includes(`Content-Range: bytes 0-1/${size}`));
      assert.ok(text.includes(`Content-Range: bytes ${size - 2}-${size - 1}/${size}`));
      assert.ok(multi.body.includes(Buffer.concat([Buffer.from('\r\n\r\n'), expected.subarray(0, 2)])));
      assert.ok(multi.body.includes(Buffer.concat([Buffer.from('\r\n\r\n'), expected.subarray(size - 2)])));
    }
  });
}

test('an unknown id answers 404 without touching Telegram', async () => {
  const res = await get(`${h.base}/dl/999999`);
  assert.equal(res.status, 404);
  const bad = await get(`${h.base}/dl/not-a-link`);
  assert.equal(bad.status, 404);
});
