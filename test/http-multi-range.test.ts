import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHttpServer, type HttpServer } from '../src/http/index.ts';
import { request } from './support/http-client.ts';
import { recordingLogger } from './support/http-logger.ts';
import { MemorySource, patternBytes } from './support/http-memory-source.ts';
import { boundaryOf, parseMultipart } from './support/http-multipart.ts';

const SIZE = 3 * 1024 * 1024 + 17;
const data = patternBytes(SIZE, 9);
const source = new MemorySource([{ id: 'm', data, mimeType: 'audio/flac', fileName: 'song.flac' }], { chunkSize: 50_000 });
let server: HttpServer;

before(async () => {
  server = await createHttpServer({ source, host: '127.0.0.1', port: 0, logger: recordingLogger().logger });
});

after(async () => {
  await server.close();
  assert.equal(source.openNow, 0);
  assert.equal(source.counters.closeCalls, source.counters.opened);
});

async function multi(range: string) {
  const r = await request(server.port, '/stream/m', { headers: { Range: range } });
  assert.equal(r.status, 206, range);
  assert.equal(r.headers['content-length'], String(r.body.length));
  assert.equal(r.headers['content-range'], undefined, 'a multipart response has Content-Range per part only');
  return { reply: r, parts: parseMultipart(r.body, boundaryOf(r.headers['content-type'])) };
}

test('several ranges come back as multipart/byteranges, each part byte-exact, in request order', async () => {
  const { parts } = await multi('bytes=2000000-2100000, 0-99, -500, 1000-1000');
  const want: Array<[number, number]> = [[2_000_000, 2_100_000], [0, 99], [SIZE - 500, SIZE - 1], [1000, 1000]];
  assert.equal(parts.length, want.length);
  parts.forEach((p, i) => {
    const [s, e] = want[i]!;
    assert.equal(p.headers['content-type'], 'audio/flac');
    assert.equal(p.headers['content-range'], `bytes ${s}-${e}/${SIZE}`);
    assert.ok(p.body.equals(data.subarray(s, e + 1)), `part ${i}`);
  });
});

test('overlapping ranges are coalesced; a set that coalesces to one range is a plain 206', async () => {
  const { parts } = await multi('bytes=0-99,50-149,1000-1099');
  assert.deepEqual(parts.map((p) => p.headers['content-range']), [`bytes 0-149/${SIZE}`, `bytes 1000-1099/${SIZE}`]);
  const single = await request(server.port, '/stream/m', { headers: { Range: 'bytes=10-19,20-29,15-25' } });
  assert.equal(single.status, 206);
  assert.equal(single.headers['content-range'], `bytes 10-29/${SIZE}`);
  assert.ok(single.body.equals(data.subarray(10, 30)));
});

test('unsatisfiable members are dropped from the multipart answer', async () => {
  const { parts } = await multi(`bytes=${SIZE}-,0-9,${SIZE + 5}-${SIZE + 10},20-29`);
  assert.deepEqual(parts.map((p) => p.headers['content-range']), [`bytes 0-9/${SIZE}`, `bytes 20-29/${SIZE}`]);
});

test('random multi-range requests are byte-exact', async () => {
  let seed = 3;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  for (let i = 0; i < 8; i++) {
    const specs: string[] = [];
    for (let k = 0; k < 2 + rnd(5); k++) {
      const a = rnd(SIZE);
      specs.push(`${a}-${a + rnd(200_000)}`);
    }
    const r = await request(server.port, '/stream/m', { headers: { Range: `bytes=${specs.join(',')}` } });
    if (r.status === 200) continue; // together larger than the file: allowed to fall back
    assert.equal(r.status, 206);
    const ranges = /^multipart/.test(r.headers['content-type']!)
      ? parseMultipart(r.body, boundaryOf(r.headers['content-type'])).map((p) => ({ cr: p.headers['content-range']!, body: p.body }))
      : [{ cr: r.headers['content-range']!, body: r.body }];
    for (const { cr, body } of ranges) {
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(cr)!;
      assert.equal(Number(m[3]), SIZE);
      assert.ok(body.equals(data.subarray(Number(m[1]), Number(m[2]) + 1)), cr);
    }
  }
});

test('more than 16 ranges, or ranges adding up to more than the file, get the full file with 200', async () => {
  const many = 'bytes=' + Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
  const manyReply = await request(server.port, '/stream/m', { headers: { Range: many } });
  assert.equal(manyReply.status, 200);
  assert.ok(manyReply.body.equals(data));
  const sixteen = 'bytes=' + Array.from({ length: 16 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',');
  assert.equal((await multi(sixteen)).parts.length, 16);
  const big = await request(server.port, '/stream/m', { headers: { Range: 'bytes=0-,100-' } });
  assert.equal(big.status, 200);
  assert.equal(big.headers['content-length'], String(SIZE));
});

test('maxRanges is configurable', async () => {
  const s = await createHttpServer({ source, host: '127.0.0.1', port: 0, maxRanges: 2, logger: recordingLogger().logger });
  try {
    assert.equal((await request(s.port, '/dl/m', { headers: { Range: 'bytes=0-1,5-6' } })).status, 206);
    assert.equal((await request(s.port, '/dl/m', { headers: { Range: 'bytes=0-1,5-6,9-10' } })).status, 200);
  } finally {
    await s.close();
  }
});
