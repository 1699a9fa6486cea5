// Admin commands: /stats, /ban, /unban, /revoke, /logs and /broadcast.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ADMIN, BASE_URL, fileMsg, flood, harness, rpc, textMsg, type Harness } from './support/fake-bot-telegram.ts';

let h: Harness;
afterEach(async () => h?.close());

const USER = 6161;
const last = (chat = ADMIN) => h.tg.transcript(String(chat)).at(-1)!;
const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x';
const SESSION = `1${'BQANOTE4xLjE0MC4yMjkuMTQ4AbuK'.repeat(12)}`;

describe('/stats', () => {
  test('users, files, this month\'s bandwidth, active streams and each session; no secrets', async () => {
    h = await harness();
    await h.send(fileMsg(USER), textMsg(USER + 1, 'hi'));
    await h.store.setBanned(USER + 1, true);
    h.store.recordBytes(USER, 3 * 1024 * 1024);
    h.status.sessions.push({ index: 2, state: 'failed', detail: `login failed for ${TOKEN} ${SESSION}` });
    await h.send(textMsg(ADMIN, '/stats'));
    const text = last();
    assert.match(text, /Users: 3 \(banned: 1\)/);
    assert.match(text, /Files: 1/);
    assert.match(text, /Bandwidth 2024-05: 3\.00 MiB/);
    assert.match(text, /Active streams: 2/);
    assert.match(text, /#0 @streambot ready/);
    assert.match(text, /#1 flood-wait: FLOOD_WAIT 30 s/);
    assert.match(text, /#2 failed: login failed for \[redacted\]/);
    assert.ok(!text.includes(TOKEN) && !text.includes(SESSION));
  });
});

describe('/ban and /unban', () => {
  test('by id, and as a reply (the forward\'s origin first, else the sender)', async () => {
    h = await harness();
    await h.send(textMsg(USER, 'hi'));
    await h.send(textMsg(ADMIN, `/ban ${USER}`));
    assert.match(last(), new RegExp(`User ${USER} is banned`));
    assert.equal((await h.store.getUser(USER))?.isBanned, true);
    await h.send(textMsg(USER, 'hello?'));
    assert.match(last(USER), /banned/);

    await h.send(textMsg(ADMIN, '/unban', { replyTo: { messageId: 9, fromId: String(ADMIN), forwardFromId: String(USER) } }));
    assert.equal((await h.store.getUser(USER))?.isBanned, false);
    await h.send(textMsg(ADMIN, '/ban', { replyTo: { messageId: 9, fromId: '8080' } }));
    assert.equal((await h.store.getUser(8080))?.isBanned, true, 'a user who never wrote can be banned ahead');
  });

  test('bad input gets the usage; admins cannot be banned; unknown users cannot be unbanned', async () => {
    h = await harness();
    await h.send(textMsg(ADMIN, '/ban someone'));
    assert.match(last(), /Usage: \/ban/);
    await h.send(textMsg(ADMIN, `/ban ${ADMIN}`));
    assert.match(last(), /Admins cannot be banned/);
    await h.send(textMsg(ADMIN, '/unban 424242'));
    assert.match(last(), /don't know user 424242/);
  });
});

describe('/revoke', () => {
  test('accepts a /dl/ link, a /stream/ link or a bare id', async () => {
    h = await harness();
    for (let i = 0; i < 3; i += 1) await h.send(fileMsg(USER));
    const ids = (await h.store.listFilesByUser(USER)).items.map((f) => f.id);
    await h.send(textMsg(ADMIN, `/revoke ${BASE_URL}/dl/${ids[0]}/holiday.mp4`));
    await h.send(textMsg(ADMIN, `/revoke ${BASE_URL}/stream/${ids[1]}`));
    await h.send(textMsg(ADMIN, `/revoke ${ids[2]}`));
    for (const id of ids) assert.equal((await h.store.getFile(id))?.revoked, true, id);
    assert.match(last(), /is revoked/);
    await h.send(textMsg(ADMIN, '/revoke https://example.org/nothing'));
    assert.match(last(), /can't find a file/);
    await h.send(textMsg(ADMIN, '/revoke'));
    assert.match(last(), /Usage: \/revoke/);
  });
});

describe('/logs', () => {
  test('recent lines, filtered by level and text, under 4096 characters, without secrets', async () => {
    h = await harness();
    const logger = (await import('pino')).pino({ level: 'debug' }, h.logs);
    logger.info('boring line');
    logger.warn({ token: TOKEN }, 'token in a field');
    logger.error(`session leaked ${SESSION} and ${TOKEN}`);
    for (let i = 0; i < 400; i += 1) logger.info(`filler ${i} ${'x'.repeat(40)}`);
    await h.send(textMsg(ADMIN, '/logs'));
    const all = last();
    assert.ok(all.length <= 4096, String(all.length));
    assert.match(all, /filler 399/);
    await h.send(textMsg(ADMIN, '/logs warn'));
    const warn = last();
    assert.match(warn, /token in a field/);
    assert.match(warn, /session leaked \[redacted\]/);
    assert.doesNotMatch(warn, /filler/);
    assert.ok(!warn.includes(TOKEN) && !warn.includes(SESSION));
    await h.send(textMsg(ADMIN, '/logs info boring'));
    assert.match(last(), /1 line, level ≥ info, containing "boring"/);
    await h.send(textMsg(ADMIN, '/logs error nothing-like-this'));
    assert.match(last(), /No log lines match/);
  });
});

describe('/broadcast', () => {
  test('300 users, 20 blocked, 5 deactivated, FLOOD_WAITs: every reachable user exactly once, counts right', async () => {
    h = await harness();
    const users = Array.from({ length: 299 }, (_, i) => 10_000 + i);
    for (const id of users) await h.store.upsertUser({ userId: id });
    await h.send(textMsg(ADMIN, 'the news'));
    const blocked = new Set(users.slice(0, 20).map(String));
    const deactivated = new Set(users.slice(100, 105).map(String));
    h.tg.fail('copyMessage', ([, , to]) => {
      if (blocked.has(String(to))) return rpc('USER_IS_BLOCKED');
      if (deactivated.has(String(to))) return rpc(String(to).endsWith('0') ? 'INPUT_USER_DEACTIVATED' : 'USER_DEACTIVATED');
      return undefined;
    });
    // Every 37th user meets a FLOOD_WAIT once.
    const flooded = new Set<string>();
    h.tg.fail('copyMessage', ([, , to]) => {
      const n = Number(to);
      if (n % 37 === 0 && !flooded.has(String(to))) {
        flooded.add(String(to));
        return flood(3);
      }
      return undefined;
    });
    await h.send(textMsg(ADMIN, '/broadcast', { replyTo: { messageId: 55 } }));

    const copies = h.tg.of('copyMessage');
    const byUser = new Map<string, number>();
    for (const c of copies) byUser.set(c.toChatId, (byUser.get(c.toChatId) ?? 0) + 1);
    const reachable = [...users.map(String), String(ADMIN)].filter((u) => !blocked.has(u) && !deactivated.has(u));
    assert.equal(reachable.length, 275);
    for (const u of reachable) assert.equal(byUser.get(u), 1, `user ${u}`);
    assert.equal(byUser.size, 275);
    for (const c of copies) assert.deepEqual([c.fromChatId, c.messageId], [String(ADMIN), 55]);
    assert.ok(flooded.size > 0);

    const summary = last();
    assert.match(summary, /Broadcast finished<\/b> \(300 users\)/);
    assert.match(summary, /Delivered: 275/);
    assert.match(summary, /Blocked the bot: 20/);
    assert.match(summary, /Deactivated accounts: 5/);
    assert.match(summary, /Failed: 0/);
    assert.equal((await h.store.getUser(10_000)) !== null, true);
    const next: number[] = [];
    for await (const id of h.store.userIds()) next.push(id);
    assert.equal(next.length, 275, 'blocked and deactivated users are skipped next time');

    // Under 30 a second overall.
    const times = copies.map((c) => c.at).sort((a, b) => a - b);
    for (let i = 30; i < times.length; i += 1) assert.ok(times[i]! - times[i - 30]! >= 1000);
    // The progress message was edited in place before the summary.
    const edits = h.tg.edits(String(ADMIN));
    assert.ok(edits.length >= 2);
    assert.ok(edits.slice(0, -1).some((e) => /Broadcasting…/.test(e.text)));
  });

  test('needs a reply; a second broadcast while one runs is refused; banned users are skipped', async () => {
    h = await harness();
    await h.send(textMsg(ADMIN, '/broadcast'));
    assert.match(last(), /Reply to the message/);
    for (let i = 0; i < 40; i += 1) await h.store.upsertUser({ userId: 20_000 + i });
    await h.store.setBanned(20_001, true);
    h.bot.handle(textMsg(ADMIN, '/broadcast', { replyTo: { messageId: 1 } }));
    h.bot.handle(textMsg(ADMIN, '/broadcast', { replyTo: { messageId: 1 } }));
    await h.bot.idle();
    assert.match(h.tg.transcript(String(ADMIN)).join('\n'), /already running/);
    const copies = h.tg.of('copyMessage');
    assert.equal(copies.length, 40, '39 users and the admin, once each');
    assert.ok(!copies.some((c) => c.toChatId === '20001'));
  });
});
