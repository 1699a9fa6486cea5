import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';

const h = await startHarness({ sessions: 2 });
after(() => h.close());

test('a log-channel file streams byte-exact through session workers and the range server', async () => {
  const f = h.control.postFile(h.channel.id, { fileName: 'clip.mp4', mimeType: 'video/mp4', size: 5 * 1024 * 1024 + 77, dcId: 2 });
  const res = await fetch(`${h.base}/stream/${f.messageId}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'video/mp4');
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, f.size);
  assert.ok(body.equals(h.control.fileBytes(f.documentId, 0, f.size)));
  const r = await fetch(`${h.base}/dl/${f.messageId}`, { headers: { range: 'bytes=1048000-1049999' } });
  assert.equal(r.status, 206);
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(h.control.fileBytes(f.documentId, 1048000, 2000)));
});
