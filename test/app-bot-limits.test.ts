// Who may make links and how many, end to end through the sandbox: force-subscribe, the sliding daily limit on an
// injectable clock, monthly quotas at the byte boundary (bot and HTTP), bans, admin revoke, non-admins refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';
import { Chat, linksOf } from './support/bot-chat.ts';

// The clock runs with real time (the bot paces its sends by it) and jumps when a test moves it.
let offset = 0;
const clock = () => Date.now() + offset;
let admin = '';
let news = { id: '', accessHash: '' };
const h = await startHarness({
  sessions: 1,
  bot: true,
  now: clock,
  setup: (control, { bots }) => {
    admin = control.createUser({ firstName: 'Admin' }).id;
    news = control.createChannel({ title: 'News', username: 'streambot_news', admins: [bots[0]!.id] });
    return { ADMINS: admin, FORCE_SUB_CHANNEL: `-100${news.id}`, MAX_LINKS_PER_DAY: '5', USER_BANDWIDTH_LIMIT_GB: '0.001', BANDWIDTH_LIMIT_GB: '0.01' };
  },
});
after(() => h.close());
const HOUR = 3_600_000;

function member(chat: Chat): Chat {
  h.control.setMember(news.id, chat.userId, 'member');
  return chat;
}

async function linkFor(chat: Chat, name: string, size = 10_000): Promise<ReturnType<typeof linksOf>[number]> {
  const before = chat.seen();
  chat.sendFile({ fileName: name, size });
  return (await chat.linksReply(before)).links[0]!;
}

/** Requests `url` until it answers `status` (usage read by the HTTP side is cached for a few seconds). */
async function statusBecomes(url: string, status: number): ReturnType<typeof get> {
  const deadline = Date.now() + 15_000;
  let res = await get(url);
  while (res.status !== status && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    res = await get(url);
  }
  return res;
}

/** The next reply after `before` (a refusal carries no links). */
const nextReply = (chat: Chat, before: Set<number>) => chat.waitFor((m) => !before.has(m.id), 'after the file');

test('force-subscribe: refused with Join and Try again until the user joins', async () => {
  const chat = Chat.open(h, 'Nina');
  let before = chat.seen();
  chat.sendFile({ fileName: 'a.bin', size: 1000 });
  const refusal = await nextReply(chat, before);
  const buttons = refusal.buttons.flat();
  assert.ok(buttons.some((b) => b.url === 'https://t.me/streambot_news'), `a Join button: ${JSON.stringify(buttons)}`);
  const retry = buttons.find((b) => b.data);
  assert.ok(retry, 'a Try again button');
  assert.equal(linksOf(refusal).length, 0);
  assert.equal(h.control.channelMessages(h.channel.id).length, 0, 'nothing was copied');

  const stillOut = await h.control.pressButton(chat.userId, chat.botId, refusal.id, retry.data!);
  assert.match(stillOut.message ?? '', /join/i, 'Try again before joining is refused');

  h.control.setMember(news.id, chat.userId, 'member');
  const ok = await h.control.pressButton(chat.userId, chat.botId, refusal.id, retry.data!);
  assert.doesNotMatch(ok.message ?? '', /join the channel/i);
  before = chat.seen();
  await linkFor(chat, 'b.bin');
});

test('the daily limit is a sliding 24-hour window: the sixth link waits for the first to age out', async () => {
  const chat = member(Chat.open(h, 'Dan'));
  // The first slot is taken before its links arrive: it is no later than this.
  let first = 0;
  for (let i = 0; i < 5; i++) {
    await linkFor(chat, `day-${i}.bin`);
    if (i === 0) first = clock();
    offset += HOUR;
  }
  const before = chat.seen();
  chat.sendFile({ fileName: 'sixth.bin', size: 1000 });
  const refusal = await nextReply(chat, before);
  assert.equal(linksOf(refusal).length, 0, 'the sixth link is refused');
  assert.match(refusal.text, /5/, 'the refusal names the limit');
  offset += first + 24 * HOUR - 60_000 - clock();
  const stillBefore = chat.seen();
  chat.sendFile({ fileName: 'too-early.bin', size: 1000 });
  assert.equal(linksOf(await nextReply(chat, stillBefore)).length, 0, 'a minute early is still refused');
  offset += first + 24 * HOUR - clock();
  await linkFor(chat, 'next-day.bin');
});

test('a user at the monthly quota: the bot refuses new links and the HTTP side answers 429; one byte below works', async () => {
  const limit = h.app.config.bot.userBandwidthLimitBytes;
  const chat = member(Chat.open(h, 'Quinn'));
  const link = await linkFor(chat, 'q.bin', 1000);
  const used = async () => (await h.app.store.getMonthlyUsage(Number(chat.userId))).bytes;
  h.app.store.recordBytes(Number(chat.userId), limit - 1 - (await used()));
  assert.equal(await used(), limit - 1);
  await linkFor(chat, 'below.bin', 1000);
  h.app.store.recordBytes(Number(chat.userId), limit - (await used()));
  assert.equal(await used(), limit);
  const before = chat.seen();
  chat.sendFile({ fileName: 'over.bin', size: 1000 });
  const refusal = await nextReply(chat, before);
  assert.equal(linksOf(refusal).length, 0);
  assert.match(refusal.text, /month|quota|bandwidth/i);
  const res = await statusBecomes(link.download!, 429);
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) > 0);
});

test('bans: an admin bans and unbans by id; a banned user gets nothing', async () => {
  const chat = member(Chat.open(h, 'Bo'));
  const boss = new Chat(h, admin);
  await boss.ask(`/ban ${chat.userId}`, (m) => /ban/i.test(m.text));
  assert.equal((await h.app.store.getUser(Number(chat.userId)))?.isBanned, true);
  const before = chat.seen();
  chat.sendFile({ fileName: 'x.bin', size: 1000 });
  const refusal = await nextReply(chat, before);
  assert.equal(linksOf(refusal).length, 0);
  assert.match(refusal.text, /banned/i);
  await boss.ask(`/unban ${chat.userId}`, (m) => /unban/i.test(m.text));
  await linkFor(chat, 'y.bin');
});

test('a non-admin calling admin commands is refused and nothing happens', async () => {
  const chat = member(Chat.open(h, 'Eve'));
  const victim = member(Chat.open(h, 'Vick'));
  await victim.ask('/start');
  for (const cmd of [`/ban ${victim.userId}`, '/stats', '/broadcast', '/logs', `/revoke x`]) {
    const reply = await chat.ask(cmd);
    assert.match(reply.text, /not allowed/i, `${cmd}: ${reply.text}`);
  }
  assert.equal((await h.app.store.getUser(Number(victim.userId)))?.isBanned, false);
});

test('an admin revokes a link by URL: 410 at once; /stats answers', async () => {
  const chat = member(Chat.open(h, 'Rob'));
  const link = await linkFor(chat, 'r.bin');
  const boss = new Chat(h, admin);
  await boss.ask(`/revoke ${link.download}`, (m) => /revoked/i.test(m.text));
  assert.equal((await get(link.download!)).status, 410);
  const stats = await boss.ask('/stats');
  assert.match(stats.text, /users/i);
});

test('the global monthly quota: new links refused and downloads answer 503', async () => {
  const chat = member(Chat.open(h, 'Gus'));
  const link = await linkFor(chat, 'g.bin', 1000);
  const limit = h.app.config.bot.bandwidthLimitBytes;
  const total = (await h.app.store.getMonthlyUsage(null)).bytes;
  h.app.store.recordBytes(null, limit - total);
  const before = chat.seen();
  chat.sendFile({ fileName: 'late.bin', size: 1000 });
  assert.equal(linksOf(await nextReply(chat, before)).length, 0);
  const res = await statusBecomes(link.download!, 503);
  assert.equal(res.status, 503);
  assert.match(res.body.toString(), /month/i);
});
