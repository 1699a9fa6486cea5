// /broadcast end to end under the sandbox's bot send limits: 300 users, 20 of them blocked the bot and 5 deleted
// their accounts. Every reachable user gets the message exactly once, the counts are right, the progress message is
// edited in place, and unreachable users are marked so the next broadcast skips them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';
import { Chat } from './support/bot-chat.ts';

let admin = '';
const h = await startHarness({
  sessions: 1,
  bot: true,
  setup: (control) => {
    admin = control.createUser({ firstName: 'Admin' }).id;
    return { ADMINS: admin };
  },
});
after(() => h.close());
const bot = h.bots[0]!.id;
const SEND_LIMITS = { perChat: { perSecond: 1, burst: 5 }, overall: { perSecond: 30, burst: 30 } };

test('a broadcast to 300 users, 20 blocked and 5 deleted', { timeout: 240_000 }, async () => {
  // Everyone writes to the bot first (a bot can only write to users who did); the greetings are not under test.
  h.control.setBotSendLimits(null);
  const users = Array.from({ length: 300 }, (_, i) => h.control.createUser({ firstName: `U${i}` }).id);
  for (const u of users) h.control.userSendsText(u, bot, '/start');
  const deadline = Date.now() + 120_000;
  while ((await h.app.store.countUsers()) < 300 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await h.control.waitForBotMessages(users.at(-1)!, bot, 1, 60_000);
  h.control.setBotSendLimits(SEND_LIMITS);

  const blocked = users.slice(0, 20);
  const deleted = users.slice(20, 25);
  for (const u of blocked) h.control.userBlocksBot(u, bot);
  for (const u of deleted) h.control.deactivateUser(u);
  const before = new Map(users.map((u) => [u, h.control.messagesFromBot(u, bot).length]));

  const boss = new Chat(h, admin);
  await boss.ask('/start');
  const news = boss.send('Maintenance tonight at 22:00 UTC.');
  const seen = boss.seen();
  h.control.userSendsText(admin, bot, '/broadcast', { replyTo: news });
  const summary = await boss.waitFor((m) => !seen.has(m.id) && /delivered/i.test(m.text) && /blocked/i.test(m.text) && /\b27[56]\b/.test(m.text), 'with the broadcast summary', 200_000);

  for (const u of users.slice(25)) {
    const got = h.control.messagesFromBot(u, bot).slice(before.get(u)).filter((m) => m.text === 'Maintenance tonight at 22:00 UTC.');
    assert.equal(got.length, 1, `user ${u} got the broadcast ${got.length} times`);
  }
  assert.match(summary.text, /\b20\b/, 'twenty blocked');
  assert.match(summary.text, /\b5\b/, 'five deactivated');
  const progress = boss.replies().filter((m) => !seen.has(m.id));
  assert.ok(progress.some((m) => m.edited), 'the progress message was edited in place');
  for (const u of blocked) assert.equal((await h.app.store.getUser(Number(u)))?.unreachable, 'blocked');
  for (const u of deleted) assert.equal((await h.app.store.getUser(Number(u)))?.unreachable, 'deactivated');
  assert.ok(h.control.counters().sendFloodWaits >= 0);
});

test('a second broadcast while one runs is refused; the next one skips unreachable users', { timeout: 240_000 }, async () => {
  const boss = new Chat(h, admin);
  const text = 'Second notice.';
  const news = boss.send(text);
  const seen = boss.seen();
  h.control.userSendsText(admin, bot, '/broadcast', { replyTo: news });
  h.control.userSendsText(admin, bot, '/broadcast', { replyTo: news });
  await boss.waitFor((m) => !seen.has(m.id) && /already|running|in progress/i.test(m.text), 'refusing the second broadcast');
  const summary = await boss.waitFor((m) => !seen.has(m.id) && /delivered/i.test(m.text) && /\b27[56]\b/.test(m.text), 'with the summary', 200_000);
  assert.doesNotMatch(summary.text, /blocked[^0-9]*[1-9]/i, 'unreachable users were skipped, not tried again');
});
