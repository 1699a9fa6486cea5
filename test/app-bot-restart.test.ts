// Files sent while StreamBot was down get their links after it starts again: the update state is kept in the store
// and the missed messages come through updates.getDifference, as on Telegram (nothing is pushed on connect).
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
import { linksOf } from './support/bot-chat.ts';
import { pollFor } from './support/poll.ts';

const dir = mkdtempSync(join(tmpdir(), 'streambot-restart-'));
const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bot = control.createBot({ username: 'restart_bot' });
const channel = control.createChannel({ title: 'log', admins: [bot.id] });
const config = loadConfig({ BOT_TOKEN: bot.token, LOG_CHANNEL: channel.id, SANDBOX_URL: 'http://127.0.0.1:1', PORT: '0', BIND_ADDRESS: '127.0.0.1', DATA_DIR: dir, MAX_LINKS_PER_DAY: '0' });
const start = () => startApp(config, { sandbox: endpointOf(sandbox), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), supervisor: { heartbeatMs: 2000, restart: { baseMs: 50, maxMs: 200 } } });
let app: App | undefined;
after(async () => {
  await app?.close();
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});


test('a file sent while StreamBot was down gets its links after the restart, exactly once', async () => {
  const user = control.createUser({ firstName: 'Pat' });
  app = await start();
  control.userSendsText(user.id, bot.id, '/start');
  await pollFor(() => (control.messagesFromBot(user.id, bot.id).length ? true : undefined), 'the greeting', 30_000, 25);
  const running = app;
  let saved: unknown;
  const poll = async () => { saved = await running.store.getSetting(`updates-state:${bot.id}`); };
  for (const deadline = Date.now() + 30_000; !saved && Date.now() < deadline;) {
    await poll();
    if (!saved) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(saved, 'the update state is kept in the store');
  await app.close();
  app = undefined;

  const sent = control.userSendsFile(user.id, bot.id, { fileName: 'offline.bin', size: 300_000 });
  const repliesBefore = control.messagesFromBot(user.id, bot.id).length;
  const pushedBefore = sandbox.counters.requests['updates.GetDifference'] ?? 0;

  app = await start();
  const reply = await pollFor(() => control.messagesFromBot(user.id, bot.id).slice(repliesBefore).find((m) => linksOf(m).length > 0), 'links for the missed file', 30_000, 25);
  assert.ok((sandbox.counters.requests['updates.GetDifference'] ?? 0) > pushedBefore, 'the missed message came through getDifference');
  const res = await get(linksOf(reply)[0]!.download!);
  assert.ok(res.body.equals(control.fileBytes(sent.documentId, 0, 300_000)));
  // Nothing twice: one reply with links for the one file.
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(control.messagesFromBot(user.id, bot.id).slice(repliesBefore).filter((m) => linksOf(m).length > 0).length, 1);
});
