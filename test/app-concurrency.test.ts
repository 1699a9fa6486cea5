// Many streams at once under a tight read-ahead budget: every stream completes byte-exact, none starves, and the
// budget is never exceeded.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readAheadStats } from '../src/streaming/index.ts';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';

const MiB = 1 << 20;
const h = await startHarness({ sessions: 3, env: { READ_AHEAD_MAX_MB: '8', READ_AHEAD_BLOCKS: '8', MAX_STREAMS: '64', MAX_STREAMS_PER_IP: '64' } });
after(() => h.close());
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('48 concurrent streams (full files and ranges) with an 8 MiB read-ahead budget all complete byte-exact', async () => {
  const files = Array.from({ length: 16 }, (_, i) => h.control.postFile(h.channel.id, { fileName: `c${i}.bin`, size: 2 * MiB + i * 4097, dcId: 1 + (i % 2) }));
  let peak = 0;
  const sampler = setInterval(() => { peak = Math.max(peak, readAheadStats().budget.usedBytes); }, 5);
  try {
    const jobs = files.flatMap((f) => [
      get(`${h.base}/dl/${f.messageId}`).then((r) => ({ f, r, start: 0, end: f.size - 1 })),
      get(`${h.base}/stream/${f.messageId}`, { range: 'bytes=1000000-' }).then((r) => ({ f, r, start: 1_000_000, end: f.size - 1 })),
      get(`${h.base}/stream/${f.messageId}`, { range: `bytes=${MiB - 10}-${MiB + 10}` }).then((r) => ({ f, r, start: MiB - 10, end: MiB + 10 })),
    ]);
    for (const { f, r, start, end } of await Promise.all(jobs)) {
      assert.ok(r.status === 200 || r.status === 206, String(r.status));
      assert.equal(sha(r.body), sha(h.control.fileBytes(f.documentId, start, end - start + 1)), `${f.messageId} ${start}-${end}`);
    }
  } finally {
    clearInterval(sampler);
  }
  assert.ok(peak > 0, 'the budget was used');
  // Each stream may take one block beyond the budget so none deadlocks; never more than that.
  assert.ok(peak <= 8 * MiB + 48 * MiB, `peak ${peak}`);
  console.log(`read-ahead budget: peak ${(peak / MiB).toFixed(1)} MiB in flight for 48 streams (budget 8 MiB)`);
});
