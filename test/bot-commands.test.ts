// What users see: /start, /help, /about, /start file_<id>, /myfiles with paging and revoke, answers to everything
// that is not a file, ignored senders, a user flooding the bot, and a failing update.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ADMIN, callback, fileMsg, fileOf, harness, textMsg, type Harness } from './support/fake-bot-telegram.ts';

let h: Harness;
afterEach(async () => h?.close());

const USER = 3131;
const last = (chat = USER) => h.tg.transcript(String(chat)).at(-1)!;

describe('start, help, about', () => {
  test('start sets the command menu without admin commands', async () => {
    h = await harness();
    const [menu] = h.tg.of('setCommands');
    assert.deepEqual(menu!.commands.map((c) => c.command), ['start', 'myfiles', 'help', 'about']);
  });

  test('/start registers the user and greets with what the bot does', async () => {
    h = await harness();
    await h.send(textMsg(USER, '/start', { fromUsername: 'ann', fromFirstName: 'Ann <3' }));
    const user = await h.store.getUser(USER);
    assert.equal(user?.username, 'ann');
    assert.equal(user?.firstName, 'Ann <3');
    assert.match(last(), /Hello Ann &lt;3!/);
    assert.match(last(), /download link/);
  });

  test('every message refreshes the user', async () => {
    h = await harness();
    await h.send(textMsg(USER, 'hello', { fromUsername: 'old' }));
    await h.send(textMsg(USER, 'hello', { fromUsername: 'new' }));
    assert.equal((await h.store.getUser(USER))?.username, 'new');
  });

  test('/help and /about answer', async () => {
    h = await harness({ maxFileSizeBytes: 2 * 1024 ** 3, maxLinksPerDay: 5 });
    await h.send(textMsg(USER, '/help'));
    assert.match(last(), /How to use me/);
    assert.match(last(), /2\.00 GiB/);
    assert.match(last(), /5 in 24 hours/);
    await h.send(textMsg(USER, '/about@streambot'));
    assert.match(last(), /StreamBot/);
  });

  test('/start file_<id> resends the links to the owner and to admins only', async () => {
    h = await harness();
    await h.send(fileMsg(USER, fileOf({ fileName: 'movie.mkv' })));
    const [file] = (await h.store.listFilesByUser(USER)).items;
    await h.send(textMsg(USER, `/start file_${file!.id}`));
    assert.match(last(), /movie\.mkv/);
    assert.ok(last().includes(`/dl/${file!.id}/movie.mkv`));
    await h.send(textMsg(USER + 1, `/start file_${file!.id}`));
    assert.match(last(USER + 1), /belongs to someone else/);
    assert.doesNotMatch(last(USER + 1), /\/dl\//);
    await h.send(textMsg(ADMIN, `/start file_${file!.id}`));
    assert.ok(last(ADMIN).includes(`/dl/${file!.id}/`));
    await h.send(textMsg(USER, '/start file_AAAAAAAAAAAA'));
    assert.match(last(), /can't find that file/);
  });
});

describe('/myfiles', () => {
  async function upload(n: number) {
    for (let i = 0; i < n; i += 1) {
      await h.send(fileMsg(USER, fileOf({ fileName: `f${i}.mp4` })));
      h.clock.advance(1000);
    }
  }

  test('no files: a clear answer', async () => {
    h = await harness();
    await h.send(textMsg(USER, '/myfiles'));
    assert.match(last(), /no files yet/);
  });

  test('pages of 5, newest first, with Prev/Next and revoke buttons; callback data ≤ 64 bytes', async () => {
    h = await harness();
    await upload(7);
    await h.send(textMsg(USER, '/myfiles'));
    const page1 = h.tg.sent(String(USER)).at(-1)!;
    assert.match(page1.msg.text, /Your files<\/b> \(7\), page 1 of 2/);
    assert.ok(page1.msg.text.indexOf('f6.mp4') < page1.msg.text.indexOf('f2.mp4'));
    assert.ok(!page1.msg.text.includes('f1.mp4'));
    const buttons = page1.msg.buttons!.flat();
    assert.equal(buttons.filter((b) => b.text.startsWith('🗑')).length, 5);
    assert.deepEqual(buttons.filter((b) => !b.text.startsWith('🗑')).map((b) => b.text), ['Next »']);
    for (const b of buttons) if ('data' in b) assert.ok(Buffer.byteLength(b.data) <= 64);

    const next = buttons.find((b) => b.text === 'Next »')! as { data: string };
    await h.send(callback(USER, next.data, page1.messageId));
    const edit = h.tg.edits(String(USER)).at(-1)!;
    assert.equal(edit.messageId, page1.messageId);
    assert.match(edit.text, /page 2 of 2/);
    assert.ok(edit.text.includes('f1.mp4') && edit.text.includes('f0.mp4'));
    assert.deepEqual(edit.buttons!.flat().filter((b) => !b.text.startsWith('🗑')).map((b) => b.text), ['« Prev']);
    assert.equal(h.tg.of('answerCallback').length, 1);
  });

  test('Revoke marks the file revoked and edits the message; only the owner may', async () => {
    h = await harness();
    await upload(1);
    await h.send(textMsg(USER, '/myfiles'));
    const page = h.tg.sent(String(USER)).at(-1)!;
    const revoke = page.msg.buttons!.flat().find((b) => b.text.startsWith('🗑'))! as { data: string };
    const [file] = (await h.store.listFilesByUser(USER)).items;

    await h.send(callback(USER + 1, revoke.data, page.messageId));
    assert.equal((await h.store.getFile(file!.id))?.revoked, false);
    assert.equal(h.tg.of('answerCallback').at(-1)!.alert, true);

    await h.send(callback(USER, revoke.data, page.messageId));
    assert.equal((await h.store.getFile(file!.id))?.revoked, true);
    assert.match(h.tg.of('answerCallback').at(-1)!.text!, /revoked/);
    const edit = h.tg.edits(String(USER)).at(-1)!;
    assert.match(edit.text, /🚫 revoked/);
    assert.ok(!edit.text.includes('/dl/'));
    const renew = edit.buttons!.flat().find((b) => b.text.startsWith('🔁')) as { data: string } | undefined;
    assert.ok(renew, 'a revoked file offers a renewal');
    assert.ok(!edit.buttons!.flat().some((b) => b.text.startsWith('🗑')));

    // Renewing gives the same file a new link; the old one stays dead.
    await h.send(callback(USER, renew.data, page.messageId));
    assert.match(h.tg.of('answerCallback').at(-1)!.text!, /new link/);
    assert.equal(await h.store.getFile(file!.id, { includeExpired: true }), null);
    const [renewed] = (await h.store.listFilesByUser(USER)).items;
    assert.equal(renewed!.messageId, file!.messageId);
    assert.equal(renewed!.revoked, false);
    assert.notEqual(renewed!.id, file!.id);
    assert.match(h.tg.edits(String(USER)).at(-1)!.text, new RegExp(`/dl/${renewed!.id}/`));
  });

  test('an unknown button is answered', async () => {
    h = await harness();
    await h.send(callback(USER, 'zz:1', 5));
    assert.match(h.tg.of('answerCallback')[0]!.text!, /no longer valid/);
  });
});

describe('everything that is not a file gets an answer', () => {
  test('text, unknown command, empty message and each kind of other content', async () => {
    h = await harness();
    await h.send(textMsg(USER, 'hello there'));
    assert.match(last(), /Send me a file/);
    await h.send(textMsg(USER, '/frobnicate now'));
    assert.match(last(), /don't know the command \/frobnicate/);
    await h.send(textMsg(USER, '   '));
    assert.match(last(), /looks empty/);
    for (const other of ['sticker', 'contact', 'location', 'poll', 'dice', 'game', 'other'] as const) {
      await h.send(textMsg(USER, '', { other }));
      assert.match(last(), /can't become links/, other);
    }
    await h.send(fileMsg(USER, fileOf({ kind: 'sticker', mimeType: 'image/webp', fileName: 's.webp' })));
    assert.match(last(), /Stickers can't become links/);
  });

  test('admin commands from anyone else: "not allowed", nothing happens', async () => {
    h = await harness();
    await h.send(textMsg(USER, '/ban 77'), textMsg(USER, '/stats'), textMsg(USER, '/broadcast', { replyTo: { messageId: 1 } }));
    assert.equal(await h.store.getUser(77), null);
    assert.equal(h.tg.of('copyMessage').length, 0);
    const all = h.tg.transcript(String(USER)).join('\n');
    assert.equal(all.match(/for the bot's admins only/g)?.length, 3);
  });

  test('messages from bots and channels are ignored', async () => {
    h = await harness();
    await h.send(textMsg(USER, 'hi', { fromBot: true }), textMsg(USER, 'post', { chatId: '-1005555', fromId: undefined }), textMsg(USER, 'group', { chatId: '-4444' }));
    assert.equal(h.tg.calls.filter((c) => c.method !== 'setCommands').length, 0);
    assert.equal(await h.store.countUsers(), 0);
  });
});

describe('floods and failures', () => {
  test('50 messages in one second: every answer arrives, merged into few messages under 4096 characters, in order', async () => {
    h = await harness();
    const msgs = Array.from({ length: 50 }, (_, i) => textMsg(USER, i % 2 ? `/nope${i}` : `hello ${i}`));
    await h.send(...msgs);
    const sent = h.tg.sent(String(USER));
    assert.ok(sent.length < 50, `merged: ${sent.length} messages`);
    for (const s of sent) assert.ok(s.msg.text.length <= 4096);
    const all = sent.map((s) => s.msg.text).join('\n\n');
    const unknown = [...all.matchAll(/command \/nope(\d+)/g)].map((m) => Number(m[1]));
    assert.deepEqual(unknown, Array.from({ length: 25 }, (_, i) => 2 * i + 1));
    assert.equal(all.match(/Send me a file/g)?.length, 25);
    // Never more than 3 sends to the chat in any 3 seconds.
    for (let i = 3; i < sent.length; i += 1) assert.ok(sent[i]!.at - sent[i - 3]!.at >= 3000);
  });

  test('a failing update is logged without secrets and answered; the next one works', async () => {
    h = await harness();
    const original = h.store.upsertUser.bind(h.store);
    let failOnce = true;
    h.store.upsertUser = async (p) => {
      if (failOnce) {
        failOnce = false;
        throw new Error('database is on fire');
      }
      return original(p);
    };
    await h.send(textMsg(USER, 'hello'));
    assert.match(last(), /Something went wrong/);
    assert.ok(h.logs.query({ level: 'error', text: 'database is on fire' }).length === 1);
    await h.send(textMsg(USER, 'hello'));
    assert.match(last(), /Send me a file/);
  });

  test('stop waits for work in progress, then updates are ignored', async () => {
    h = await harness();
    h.tg.copyDelayMs = 2000;
    h.bot.handle(fileMsg(USER));
    await h.bot.stop();
    assert.match(last(), /Your link is ready/);
    h.bot.handle(textMsg(USER, 'anyone there?'));
    await h.bot.idle();
    assert.equal(h.tg.sent(String(USER)).length, 1);
  });
});
