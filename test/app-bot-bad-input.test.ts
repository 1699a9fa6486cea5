// Bad input end to end: every message gets a clear answer, nothing is lost, and the bot stays up.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';
import { Chat, linksOf } from './support/bot-chat.ts';

const h = await startHarness({ sessions: 1, bot: true, env: { MAX_LINKS_PER_DAY: '0' } });
after(() => h.close());
const GiB = 1024 ** 3;

test('an empty message, stickers, contacts, locations, polls and an unknown command each get a short answer', async () => {
  const chat = Chat.open(h, 'Ed');
  assert.match((await chat.ask('   ')).text, /empty|file/i);
  assert.match((await chat.ask('/frobnicate')).text, /\/help/);
  for (const what of ['sticker', 'contact', 'location', 'poll', 'dice'] as const) {
    const before = chat.seen();
    h.control.userSendsOther(chat.userId, chat.botId, what);
    const reply = await chat.waitFor((m) => !before.has(m.id), `to a ${what}`);
    assert.match(reply.text, /file/i, `${what}: ${reply.text}`);
  }
});

test('a 0-byte file is refused clearly; a 4 GiB file gets links that reach past 4 GiB', async () => {
  const chat = Chat.open(h, 'Zed');
  let before = chat.seen();
  chat.sendFile({ fileName: 'nothing.txt', mimeType: 'text/plain', size: 0 });
  const refusal = await chat.waitFor((m) => !before.has(m.id), 'to the empty file');
  assert.match(refusal.text, /empty|0 bytes/i);
  assert.equal(linksOf(refusal).length, 0);

  before = chat.seen();
  const big = chat.sendFile({ fileName: 'huge.mkv', mimeType: 'video/x-matroska', size: 4 * GiB, video: { duration: 7200 } });
  const { links } = await chat.linksReply(before);
  const res = await get(links[0]!.stream!, { range: `bytes=${4 * GiB - 70_000}-${4 * GiB - 1}` });
  assert.equal(res.status, 206);
  assert.ok(res.body.equals(h.control.fileBytes(big.documentId, 4 * GiB - 70_000, 70_000)), 'the last bytes of a 4 GiB file, byte-exact');
});

test('hostile names and a 4096-character caption: links that work, names that cannot break a header or a path', async () => {
  const chat = Chat.open(h, 'Mal');
  const names = ['line1\nline2.mp4', 'quo"te\'s <b>&amp;.mp4', '\u202Egnp.exe', '../../etc/passwd', `${'a'.repeat(300)}.bin`];
  for (const name of names) {
    const before = chat.seen();
    const sent = chat.sendFile({ fileName: name, mimeType: 'video/mp4', size: 5000 }, name === names[0] ? 'x'.repeat(4096) : '');
    const { msg, links } = await chat.linksReply(before);
    assert.ok(msg.text.length <= 4096);
    const res = await get(links[0]!.download!);
    assert.equal(res.status, 200, name);
    assert.ok(res.body.equals(h.control.fileBytes(sent.documentId, 0, 5000)), `${JSON.stringify(name)} downloads byte-exact`);
    const disposition = res.headers.get('content-disposition') ?? '';
    assert.doesNotMatch(disposition, /[\r\n]|\.\.\/|\u202E/, `Content-Disposition of ${JSON.stringify(name)}: ${disposition}`);
    if (name.includes('<b>')) assert.match(msg.text, /<b>&amp;/, 'markup in a name shows literally');
  }
  const captions = h.control.channelMessages(h.channel.id).map((m) => m.text.length);
  assert.ok(captions.every((n) => n <= 1024), 'log-channel captions stay within Telegram\'s 1024 characters');
});

test('50 messages in one second from one user: each gets its answer, and the bot stays up', async () => {
  const chat = Chat.open(h, 'Flo');
  const before = chat.seen();
  for (let i = 0; i < 50; i++) chat.send(`hello ${i}`);
  const answered = () => chat.replies().filter((m) => !before.has(m.id)).map((m) => m.text).join('\n').match(/Send me a file \(document/g)?.length ?? 0;
  for (const deadline = Date.now() + 120_000; answered() < 50 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
  await h.app.bot!.idle();
  assert.equal(answered(), 50, 'one answer per message, none twice');
  assert.match((await chat.ask('/help')).text, /myfiles/);
});
