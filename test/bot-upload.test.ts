// The upload flow: a file becomes a log-channel copy, a store record and one answer with its links.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { BASE_URL, LOG_CHANNEL, fileMsg, fileOf, flood, harness, rpc, textMsg, type Harness } from './support/fake-bot-telegram.ts';

let h: Harness;
afterEach(async () => h?.close());

const USER = 4242;

describe('a single file', () => {
  test('is copied to the log channel, registered, and answered with download, stream and player links', async () => {
    h = await harness();
    const msg = fileMsg(USER, fileOf({ fileName: 'holiday.mp4', size: 5_000_000 }), { text: 'Summer 2023' });
    await h.send(msg);
    const [copy] = h.tg.of('copyToChannel');
    assert.equal(copy?.fromChatId, String(USER));
    assert.equal(copy?.messageId, msg.messageId);
    assert.equal(copy?.channelId, LOG_CHANNEL);
    assert.match(copy!.caption!, /^Summer 2023\n\n👤 4242$/);
    const record = await h.store.getFileByMessageId(copy!.newMessageId);
    assert.ok(record);
    assert.equal(record.userId, USER);
    assert.equal(record.fileName, 'holiday.mp4');
    assert.equal(record.fileSize, 5_000_000);
    const [answer] = h.tg.sent(String(USER));
    const dl = `${BASE_URL}/dl/${record.id}/holiday.mp4`;
    const stream = `${BASE_URL}/stream/${record.id}/holiday.mp4`;
    const player = `https://player.example.org/?stream=${encodeURIComponent(stream)}`;
    assert.ok(answer!.msg.html);
    assert.equal(answer!.msg.replyTo, msg.messageId);
    assert.ok(answer!.msg.text.includes(dl));
    assert.ok(answer!.msg.text.includes(stream));
    assert.ok(answer!.msg.text.includes(player.replace(/&/g, '&amp;')));
    assert.ok(answer!.msg.text.includes('<b>Summer 2023</b>'));
    assert.deepEqual(answer!.msg.buttons, [[{ text: '⬇️ Download', url: dl }, { text: '▶️ Stream', url: stream }, { text: '🎬 Player', url: player }]]);
    assert.equal(h.tg.sent().length, 1);
  });

  test('a document gets a download link only; no player when VIDEO_FRONTEND_URL is off', async () => {
    h = await harness({ videoFrontendUrl: null });
    await h.send(fileMsg(USER, fileOf({ fileName: 'report.pdf', mimeType: 'application/pdf', kind: 'document', isVideo: false })));
    const [answer] = h.tg.sent();
    assert.ok(answer!.msg.text.includes('/dl/'));
    assert.ok(!answer!.msg.text.includes('/stream/'));
    assert.equal(answer!.msg.buttons![0]!.length, 1);
    await h.send(fileMsg(USER, fileOf({ fileName: 'song.mp3', mimeType: 'audio/mpeg', kind: 'document', isVideo: false })));
    const audio = h.tg.sent()[1]!;
    assert.ok(audio.msg.text.includes('/stream/'), 'an audio MIME type is playable even as a document');
    assert.ok(!audio.msg.text.includes('Player'));
    assert.deepEqual(audio.msg.buttons![0]!.map((b) => b.text), ['⬇️ Download', '▶️ Stream']);
  });

  test('voice notes and photos without a name get one', async () => {
    h = await harness();
    await h.send(fileMsg(USER, fileOf({ fileName: '', mimeType: 'audio/ogg', kind: 'voice', isVideo: false })));
    await h.send(fileMsg(USER, fileOf({ fileName: '', mimeType: 'image/jpeg', kind: 'photo', isVideo: false, uniqueId: 'AgADx1' })));
    const { items } = await h.store.listFilesByUser(USER);
    const names = items.map((f) => f.fileName).sort();
    assert.match(names[0]!, /^photo-AgADx1\.jpg$/);
    assert.match(names[1]!, /^voice-2024-05-10_12-00-00\.ogg$/);
  });

  test('names with newlines, quotes, <, &, RTL marks, ../ and 300 characters render literally and safely', async () => {
    h = await harness();
    const nasty = 'a\nb "q" <i>&amp; \u202Egpj.exe ../../etc/passwd ' + 'x'.repeat(300) + '.mkv';
    await h.send(fileMsg(USER, fileOf({ fileName: nasty })));
    const [record] = (await h.store.listFilesByUser(USER)).items;
    assert.ok(record);
    assert.ok(!/[\n\u202E/]/.test(record.fileName), record.fileName);
    assert.ok(Array.from(record.fileName).length <= 120);
    assert.ok(record.fileName.startsWith('a b "q" <i>&amp; gpj.exe .._.._etc_passwd '));
    const text = h.tg.sent()[0]!.msg.text;
    assert.ok(text.includes('a b &quot;q&quot; &lt;i&gt;&amp;amp; gpj.exe .._.._etc_passwd'), text);
    assert.ok(!text.includes('<i>'));
    assert.ok(!text.includes('\u202E'));
    assert.ok(text.length <= 4096);
  });

  test('a 4096-character caption becomes a capped title and a caption Telegram accepts', async () => {
    h = await harness();
    await h.send(fileMsg(USER, fileOf(), { text: 'T'.repeat(4096) }));
    const [copy] = h.tg.of('copyToChannel');
    assert.ok(copy!.caption!.length <= 1024);
    const [answer] = h.tg.sent();
    assert.ok(answer!.msg.text.length <= 4096);
    assert.ok(answer!.msg.text.includes('T'.repeat(200)));
    assert.ok(answer!.msg.text.includes('…'));
  });

  test('a slow copy first shows "Working on it…", then edits it into the links', async () => {
    h = await harness();
    h.tg.copyDelayMs = 3000;
    await h.send(fileMsg(USER));
    const [working] = h.tg.sent();
    assert.equal(working!.msg.text, '⏳ Working on it…');
    assert.equal(h.tg.sent().length, 1);
    const [edit] = h.tg.edits();
    assert.equal(edit!.messageId, working!.messageId);
    assert.match(edit!.text, /Your link is ready/);
    assert.equal(edit!.buttons![0]![0]!.text, '⬇️ Download');
  });

  test('a fast copy answers without the working message', async () => {
    h = await harness();
    await h.send(fileMsg(USER));
    assert.equal(h.tg.sent().length, 1);
    assert.doesNotMatch(h.tg.sent()[0]!.msg.text, /Working/);
    assert.equal(h.tg.edits().length, 0);
  });

  test('FLOOD_WAIT on the copy is waited out and retried once', async () => {
    h = await harness();
    h.tg.failTimes('copyToChannel', 1, () => flood(12));
    const before = h.clock.now();
    await h.send(fileMsg(USER));
    const copies = h.tg.of('copyToChannel');
    assert.equal(copies.length, 1);
    assert.ok(copies[0]!.at - before >= 12_000);
    assert.equal((await h.store.listFilesByUser(USER)).items.length, 1);
    assert.match(h.tg.transcript(String(USER)).at(-1)!, /Your link is ready/);
  });

  test('a failed copy is answered and gives the daily slot back', async () => {
    h = await harness({ maxLinksPerDay: 1 });
    h.tg.failTimes('copyToChannel', 1, () => rpc('CHAT_WRITE_FORBIDDEN'));
    await h.send(fileMsg(USER));
    assert.match(h.tg.transcript(String(USER)).at(-1)!, /could not save this file/);
    await h.send(fileMsg(USER));
    assert.match(h.tg.transcript(String(USER)).at(-1)!, /Your link is ready/, 'the slot was given back');
    assert.equal((await h.store.listFilesByUser(USER)).items.length, 1);
  });

  test('a banned user is refused and nothing is copied', async () => {
    h = await harness();
    await h.send(textMsg(USER, 'hi'));
    await h.store.setBanned(USER, true);
    await h.send(fileMsg(USER));
    assert.equal(h.tg.of('copyToChannel').length, 0);
    assert.match(h.tg.transcript(String(USER)).at(-1)!, /banned/);
  });
});

describe('albums', () => {
  test('three parts get one reply listing every file', async () => {
    h = await harness();
    const parts = ['a.mp4', 'b.jpg', 'c.pdf'].map((name, i) =>
      fileMsg(USER, fileOf({ fileName: name, mimeType: ['video/mp4', 'image/jpeg', 'application/pdf'][i]!, kind: (['video', 'photo', 'document'] as const)[i] }), { groupedId: 'g1', text: i === 0 ? 'Trip' : '' }));
    await h.send(...parts);
    assert.equal(h.tg.of('copyToChannel').length, 3);
    const replies = h.tg.sent(String(USER));
    assert.equal(replies.length, 1);
    const text = replies[0]!.msg.text;
    assert.match(text, /3 of 3 files ready/);
    assert.match(text, /<b>Trip<\/b>/);
    for (const name of ['a.mp4', 'b.jpg', 'c.pdf']) assert.ok(text.includes(name), name);
    assert.equal(replies[0]!.msg.buttons!.length, 3);
    assert.equal((await h.store.listFilesByUser(USER)).items.length, 3);
  });

  test('refused parts are listed with the reason, the others get links', async () => {
    h = await harness({ blockedMimeTypes: ['application/x-msdownload'] });
    await h.send(
      fileMsg(USER, fileOf({ fileName: 'ok.mp4' }), { groupedId: 'g2' }),
      fileMsg(USER, fileOf({ fileName: 'bad.exe', mimeType: 'application/x-msdownload', kind: 'document' }), { groupedId: 'g2' }),
    );
    const replies = h.tg.sent(String(USER));
    assert.equal(replies.length, 1);
    assert.match(replies[0]!.msg.text, /1 of 2 files ready/);
    assert.match(replies[0]!.msg.text, /bad\.exe<\/code>: .*blocked: application\/x-msdownload/);
  });

  test('two albums from one chat get two replies, in order', async () => {
    h = await harness();
    await h.send(fileMsg(USER, fileOf({ fileName: 'one.mp4' }), { groupedId: 'A' }), fileMsg(USER, fileOf({ fileName: 'two.mp4' }), { groupedId: 'B' }));
    const replies = h.tg.sent(String(USER));
    assert.equal(replies.length, 2);
    assert.match(replies[0]!.msg.text, /one\.mp4/);
    assert.match(replies[1]!.msg.text, /two\.mp4/);
  });
});
