// Two instances on one store (SQLite file shared, as MongoDB would be): the bot runs on one, the other is STREAM_ONLY.
// A link made through one plays on the other, counters are not counted twice, a revoke on one is seen by the other.
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

const dir = mkdtempSync(join(tmpdir(), 'streambot-instances-'));
const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bot = control.createBot({ username: 'pair_bot' });
const channel = control.createChannel({ title: 'log', admins: [bot.id] });
const env = { BOT_TOKEN: bot.token, LOG_CHANNEL: channel.id, SANDBOX_URL: 'http://127.0.0.1:1', PORT: '0', BIND_ADDRESS: '127.0.0.1', DATA_DIR: dir, MAX_LINKS_PER_DAY: '0', USAGE_FLUSH_MS: '100', RATE_LIMIT_PER_MINUTE: '0' };
const start = (extra: Record<string, string>) => startApp(loadConfig({ ...env, ...extra }), { sandbox: endpointOf(sandbox), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }) });
const apps: App[] = [];
after(async () => {
  for (const a of apps) await a.close();
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a link made through the bot instance plays on the stream-only one; counters once; a revoke is seen by both', async () => {
  const main = await start({});
  apps.push(main);
  const streamer = await start({ STREAM_ONLY: 'true' });
  apps.push(streamer);
  assert.ok(main.bot, 'the first instance runs the bot');
  assert.equal(streamer.bot, undefined, 'the stream-only instance does not');

  const user = control.createUser({ firstName: 'Pia' });
  const sent = control.userSendsFile(user.id, bot.id, { fileName: 'shared.bin', size: 500_000 });
  let reply;
  for (const deadline = Date.now() + 30_000; !reply && Date.now() < deadline;) {
    reply = control.messagesFromBot(user.id, bot.id).find((m) => linksOf(m).length > 0);
    if (!reply) await new Promise((r) => setTimeout(r, 25));
  }
  assert.ok(reply, 'the bot answered with links');
  assert.equal(control.messagesFromBot(user.id, bot.id).filter((m) => linksOf(m).length > 0).length, 1, 'answered once, by one instance');
  const link = new URL(linksOf(reply)[0]!.download!);
  const elsewhere = `http://127.0.0.1:${streamer.http.port}${link.pathname}`;
  const res = await get(elsewhere);
  assert.equal(res.status, 200);
  assert.ok(res.body.equals(control.fileBytes(sent.documentId, 0, 500_000)), 'the other instance serves it byte-exact');

  // Each instance counts what it sent once: the owner's month grows by exactly one download's bytes.
  const id = link.pathname.split('/')[2]!;
  const usage = async () => (await main.store.getMonthlyUsage(Number(user.id))).bytes;
  await streamer.store.flush();
  const before = await usage();
  assert.equal((await get(`${link.origin}${link.pathname}`)).status, 200);
  await main.store.flush();
  assert.equal(await usage(), before + 500_000);
  const record = await streamer.store.getFile(id);
  assert.equal(record?.downloadCount, 2, 'one download counted on each instance, none twice');

  await streamer.store.revokeFile(id);
  assert.equal((await get(`${link.origin}${link.pathname}`)).status, 410, 'a revoke on one is seen by the other');
  assert.equal((await get(elsewhere)).status, 410);
});
