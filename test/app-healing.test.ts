// Sessions heal by themselves: with every DC down and every worker failed, /healthz says 503 (so a process manager
// can act) and everything comes back when the DC does; a bot whose authorization is revoked is taken out, logs in
// again with its token, and serves again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';
import { openStream } from './support/stream-client.ts';
import { waitFor } from './support/http-client.ts';
import type { SessionStateEvent } from '../actors/supervisor/index.ts';

const MiB = 1 << 20;
const h = await startHarness({ sessions: 2, env: { HEALTH_NO_SESSION_SECONDS: '1' } });
after(() => h.close());
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const history: SessionStateEvent[] = [];
h.app.supervisor.on('state', (e) => history.push(e));

async function byteExact(size: number): Promise<void> {
  const f = h.control.postFile(h.channel.id, { fileName: `heal-${size}.bin`, size });
  const r = await get(`${h.base}/dl/${f.messageId}`);
  assert.equal(r.status, 200);
  assert.equal(sha(r.body), sha(h.control.fileBytes(f.documentId, 0, size)));
}

test('every DC down and every worker failed: healthz 503, then healed when the DC returns', async () => {
  assert.equal((await get(`${h.base}/healthz`)).status, 200);
  const back = h.control.restartDc(undefined, 8000);
  try {
    await waitFor(() => h.app.supervisor.states().every((s) => s.linksDown.length > 0), 'every session sees its DC down', 5000);
    // Restarted workers cannot log in while the DC is down: they fail and are retried on the long backoff.
    await Promise.all(h.bots.map((_, i) => h.app.supervisor.terminateSession(i)));
    await waitFor(() => h.app.supervisor.states().every((s) => s.state !== 'ready'), 'no session ready', 5000);
    let health = await get(`${h.base}/healthz`);
    for (let i = 0; i < 50 && health.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      health = await get(`${h.base}/healthz`);
    }
    assert.equal(health.status, 503, 'unhealthy once no session has been able to serve for HEALTH_NO_SESSION_SECONDS');
  } finally {
    await back;
  }
  await waitFor(() => h.app.supervisor.states().every((s) => s.state === 'ready' && s.linksDown.length === 0), 'every session back', 30_000);
  assert.equal((await get(`${h.base}/healthz`)).status, 200);
  await byteExact(3 * MiB + 5);
});

test('a revoked bot is taken out, logs in again with its token, and serves again; streams never notice', async () => {
  const logins = h.control.counters().logins;
  const f = h.control.postFile(h.channel.id, { fileName: 'revoke.bin', size: 12 * MiB });
  h.control.setBandwidthCap(4 * MiB);
  history.length = 0;
  try {
    const s = openStream(`${h.base}/stream/${f.messageId}`);
    assert.equal(await s.headers, 200);
    h.control.revokeBot(h.bots[1]!.id);
    const r = await s.done;
    assert.ok(r.complete);
    assert.equal(sha(r.body), sha(h.control.fileBytes(f.documentId, 0, 12 * MiB)));
  } finally {
    h.control.setBandwidthCap(0);
  }
  await waitFor(() => history.some((e) => e.index === 1 && e.error?.code === 'SB_ERR_SESSION_UNAUTHORIZED'), 'session 1 taken out as unauthorized', 10_000);
  await waitFor(() => h.app.supervisor.states()[1]!.state === 'ready', 'session 1 back', 30_000);
  assert.ok(h.control.counters().logins > logins, 'it logged in again with its token');
  const before = h.app.supervisor.states()[1]!.completed;
  await byteExact(6 * MiB);
  assert.ok(h.app.supervisor.states()[1]!.completed > before, 'the re-logged-in session serves blocks');
});
