// Session authorizations are persisted and reused: worker restarts and process restarts do not log in again
// (frequent re-logins earn long FLOOD_WAITs on auth.importBotAuthorization), and another DC is authorized once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Sandbox, endpointOf } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { loadConfig } from '../src/config/index.ts';
import { startApp, type App } from '../src/app/app.ts';
import { get } from './support/http-fetch.ts';
import { waitFor } from './support/http-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'streambot-sessions-'));
const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bots = [control.createBot({ username: 'p1_bot' }), control.createBot({ username: 'p2_bot' })];
const channel = control.createChannel({ title: 'log', admins: bots.map((b) => b.id) });
const config = loadConfig({ BOT_TOKEN: bots[0]!.token, ADDITIONAL_BOT_TOKENS: bots[1]!.token, LOG_CHANNEL: channel.id, SANDBOX_URL: 'http://127.0.0.1:1', PORT: '0', BIND_ADDRESS: '127.0.0.1', DATA_DIR: dir, ALLOW_MESSAGE_IDS: '1' });
const start = () => startApp(config, { sandbox: endpointOf(sandbox), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), supervisor: { heartbeatMs: 2000, restart: { baseMs: 50, maxMs: 200 } } });
let app: App | undefined;
after(async () => {
  await app?.close();
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

const waitReady = (a: App) => waitFor(() => a.supervisor.states().every((s) => s.state === 'ready'), 'every session ready', 10000);

test('first start logs each bot in once and saves its session', async () => {
  app = await start();
  await waitReady(app);
  assert.equal(sandbox.counters.logins, 2);
  for (const b of bots) assert.ok(await app.store.getSession(`bot:${b.id}`), 'session saved in the store');
});

test('files on another DC: each session exports its authorization there once, not per request', async () => {
  const f = control.postFile(channel.id, { fileName: 'x.bin', size: 6 * 1024 * 1024, dcId: 2 });
  for (let i = 0; i < 3; i++) {
    const res = await get(`http://127.0.0.1:${app!.http.port}/dl/${f.messageId}`);
    assert.ok(res.body.equals(control.fileBytes(f.documentId, 0, f.size)));
  }
  assert.ok(sandbox.counters.exportedAuthorizations <= 2, `exported ${sandbox.counters.exportedAuthorizations} times`);
});

test('a restarted worker reuses its saved session', async () => {
  const before = sandbox.counters.logins;
  await app!.supervisor.terminateSession(0);
  await new Promise((r) => setTimeout(r, 100));
  await waitReady(app!);
  assert.equal(sandbox.counters.logins, before);
});

test('a restarted process reuses the sessions saved in the store, its other-DC authorizations included', async () => {
  await app!.close();
  const logins = sandbox.counters.logins;
  const exports = sandbox.counters.exportedAuthorizations;
  const handshakes = sandbox.counters.handshakes;
  app = await start();
  await waitReady(app);
  assert.equal(sandbox.counters.logins, logins, 'no new auth.importBotAuthorization');
  const f = control.postFile(channel.id, { fileName: 'y.bin', size: 4 * 1024 * 1024, dcId: 2 });
  const res = await get(`http://127.0.0.1:${app.http.port}/dl/${f.messageId}`);
  assert.ok(res.body.equals(control.fileBytes(f.documentId, 0, f.size)));
  assert.equal(sandbox.counters.exportedAuthorizations, exports, 'no new auth.exportAuthorization for DC 2');
  assert.equal(sandbox.counters.handshakes, handshakes, 'saved keys reused, no new auth key');
});

test('a saved DC key the server no longer knows is replaced: new key, new authorization, download still byte-exact', async () => {
  // Forget every DC 2 key on the server side, as after a server-side reset.
  sandbox.dc(2).authKeys.clear();
  sandbox.dropConnections({ dcId: 2 });
  const exports = sandbox.counters.exportedAuthorizations;
  const f = control.postFile(channel.id, { fileName: 'z.bin', size: 3 * 1024 * 1024, dcId: 2 });
  const res = await get(`http://127.0.0.1:${app!.http.port}/dl/${f.messageId}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.length, f.size);
  assert.ok(res.body.equals(control.fileBytes(f.documentId, 0, f.size)));
  assert.ok(sandbox.counters.exportedAuthorizations > exports);
});
