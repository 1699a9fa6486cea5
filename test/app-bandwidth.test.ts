// Bandwidth is counted per response with the bytes actually sent: complete, ranged and aborted streams alike.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';
import { abortAfter, get } from './support/http-fetch.ts';

const MiB = 1 << 20;
const h = await startHarness({ sessions: 2 });
after(() => h.close());

async function settle() {
  const deadline = Date.now() + 5000;
  while (h.app.http.stats().activeStreams > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

test('an owner is charged the bytes sent: full, ranged, HEAD (nothing) and aborted responses', async () => {
  const owner = 4242;
  const f = h.control.postFile(h.channel.id, { fileName: 'a.bin', size: 8 * MiB });
  const rec = await h.app.store.registerFile({ messageId: f.messageId, userId: owner, fileName: 'a.bin', fileSize: f.size, fileType: 'document', mimeType: 'application/octet-stream', isVideo: false });
  const usage = async () => (await h.app.store.getMonthlyUsage(owner)).bytes;
  const start = await usage();

  const full = await get(`${h.base}/dl/${rec.id}`);
  assert.equal(full.body.length, f.size);
  await settle();
  assert.equal(await usage(), start + f.size);

  await get(`${h.base}/dl/${rec.id}`, { range: 'bytes=100-199' });
  await get(`${h.base}/dl/${rec.id}`, {}, 'HEAD');
  await settle();
  assert.equal(await usage(), start + f.size + 100);

  const sentBefore = h.app.http.stats().bytesSent;
  const received = await abortAfter(`${h.base}/dl/${rec.id}`, 3 * MiB);
  await settle();
  const sent = h.app.http.stats().bytesSent - sentBefore;
  const charged = (await usage()) - (start + f.size + 100);
  assert.equal(charged, sent, 'charged exactly what the server sent');
  assert.ok(charged >= received && charged < f.size, `received ${received}, charged ${charged}`);
});

test('downloads and plays are counted once per response from the first byte, not per seek', async () => {
  const f = h.control.postFile(h.channel.id, { fileName: 'b.bin', size: 2 * MiB });
  const rec = await h.app.store.registerFile({ messageId: f.messageId, userId: 7, fileName: 'b.bin', fileSize: f.size, fileType: 'video', mimeType: 'video/mp4', isVideo: true });
  await get(`${h.base}/dl/${rec.id}`);
  await get(`${h.base}/stream/${rec.id}`, { range: 'bytes=0-' });
  await get(`${h.base}/stream/${rec.id}`, { range: 'bytes=1000-2000' });
  await get(`${h.base}/stream/${rec.id}`, {}, 'HEAD');
  await settle();
  await h.app.store.flush();
  const after = await h.app.store.getFile(rec.id);
  assert.equal(after?.downloadCount, 1);
  assert.equal(after?.streamCount, 1);
});
