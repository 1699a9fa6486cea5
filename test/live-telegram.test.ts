// Optional: the demo's scenario against real Telegram. A user account (LIVE_USER_SESSION, a gramjs StringSession of a
// test user) sends the sample video to the bot; StreamBot (BOT_TOKEN, API_ID, API_HASH, LOG_CHANNEL) answers with
// links; the download link serves the file byte-exact. Without those variables it is skipped and says so.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';

const NEEDED = ['BOT_TOKEN', 'API_ID', 'API_HASH', 'LOG_CHANNEL', 'LIVE_USER_SESSION'] as const;
const missing = NEEDED.filter((name) => !process.env[name]?.trim());
const SAMPLE = fileURLToPath(new URL('../samples/streambot-demo.mp4', import.meta.url));
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('against real Telegram: a user sends a video, the bot answers with links that serve it byte-exact', {
  skip: missing.length ? `live Telegram test skipped: set ${missing.join(', ')} to run it` : false,
  timeout: 300_000,
}, async () => {
  const { loadConfig } = await import('../src/config/index.ts');
  const { startApp } = await import('../src/app/app.ts');
  const { TelegramClient, Api } = await import('telegram');
  const { StringSession } = await import('telegram/sessions/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'streambot-live-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const app = await startApp(loadConfig({ ...process.env, PORT: '0', BIND_ADDRESS: '127.0.0.1', BASE_URL: '', DATA_DIR: dir, DATABASE_URL: '', MAX_LINKS_PER_DAY: '0', RATE_LIMIT_PER_MINUTE: '0' }), { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'warn' }) });
  cleanups.push(() => app.close());
  const me = app.supervisor.states()[0]!;
  assert.ok(me.username, 'the bot logged in');

  const user = new TelegramClient(new StringSession(process.env.LIVE_USER_SESSION!), Number(process.env.API_ID), process.env.API_HASH!, { connectionRetries: 3 });
  await user.connect();
  cleanups.push(() => user.disconnect());
  const sentAt = Math.floor(Date.now() / 1000) - 5;
  await user.sendMessage(me.username!, { message: '/start' });
  await user.sendFile(me.username!, { file: SAMPLE, caption: 'StreamBot live test', supportsStreaming: true });

  let links: string[] = [];
  for (const deadline = Date.now() + 120_000; links.length === 0 && Date.now() < deadline;) {
    await new Promise((r) => setTimeout(r, 2000));
    const history = await user.getMessages(me.username!, { limit: 10 });
    for (const m of history) {
      if (m.out || m.date < sentAt) continue;
      const urls = [...(m.message ?? '').matchAll(/https?:\/\/\S+\/dl\/\S+/g)].map((x) => x[0]);
      const buttons = ((m.replyMarkup as InstanceType<typeof Api.ReplyInlineMarkup> | undefined)?.rows ?? []).flatMap((r) => r.buttons).flatMap((b) => ('url' in b && /\/dl\//.test(String(b.url)) ? [String(b.url)] : []));
      links = [...urls, ...buttons];
      if (links.length) break;
    }
  }
  assert.ok(links.length > 0, 'the bot answered with a download link');
  const res = await fetch(links[0]!);
  assert.equal(res.status, 200);
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(readFileSync(SAMPLE)), 'the download is the file, byte for byte');
});
