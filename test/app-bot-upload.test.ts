// The bot end to end, driven only through the sandbox as Telegram users: files in, links out, every link byte-exact.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';
import { Chat, linksOf } from './support/bot-chat.ts';

const h = await startHarness({ sessions: 2, bot: true, env: { MAX_LINKS_PER_DAY: '0', VIDEO_FRONTEND_URL: 'https://player.example.org/' } });
after(() => h.close());
const MB = 1_000_000;

async function bytesOf(url: string, range?: string): Promise<{ status: number; body: Buffer }> {
  const res = await get(url, range ? { range } : {});
  return { status: res.status, body: res.body };
}

test('/start greets and registers the user; the command menu is set', async () => {
  const chat = Chat.open(h, 'Ada');
  const reply = await chat.ask('/start');
  assert.match(reply.text, /link/i);
  assert.ok(await h.app.store.getUser(Number(chat.userId)), 'the user is registered');
  const commands = h.control.botCommands(chat.botId).map((c) => c.command);
  for (const c of ['start', 'help', 'myfiles']) assert.ok(commands.includes(c), `menu lacks /${c}: ${commands}`);
});

test('a video gets download, stream and player links; each link serves the file byte-exact; the log channel holds the copy', async (t) => {
  const chat = Chat.open(h, 'Vic');
  const before = chat.seen();
  const sentAt = performance.now();
  const sent = chat.sendFile({ fileName: 'talk.mp4', mimeType: 'video/mp4', size: 3 * MB, video: { duration: 61, width: 640, height: 360 } }, 'Conference talk');
  const { msg, links } = await chat.linksReply(before);
  // Reported, not asserted: a busy machine may be slower (the bench measures it).
  t.diagnostic(`links arrived ${Math.round(performance.now() - sentAt)} ms after the file was sent`);
  const [set] = links;
  assert.ok(set?.download && set.stream && set.player, `three links expected in ${JSON.stringify(msg)}`);
  assert.ok(set.player.startsWith('https://player.example.org/?stream='), set.player);
  assert.equal(decodeURIComponent(new URL(set.player).searchParams.get('stream')!), set.stream);
  assert.match(msg.text, /Conference talk/, 'the caption is kept as the title');
  assert.ok(msg.buttons.flat().some((b) => b.url === set.download), 'the download link is a button too');

  const whole = h.control.fileBytes(sent.documentId, 0, 3 * MB);
  for (const url of [set.download, set.stream]) {
    const full = await bytesOf(url);
    assert.equal(full.status, 200);
    assert.ok(full.body.equals(whole), `${url} serves the file byte-exact`);
  }
  const part = await bytesOf(set.stream, 'bytes=1000000-1099999');
  assert.equal(part.status, 206);
  assert.ok(part.body.equals(whole.subarray(1_000_000, 1_100_000)));

  const copies = h.control.channelMessages(h.channel.id).filter((m) => m.documentId === sent.documentId);
  assert.equal(copies.length, 1, 'one copy in the log channel');
  assert.equal(copies[0]!.forwarded, false, 'copied, not forwarded');

  const mine = await chat.ask('/myfiles', (m) => /talk\.mp4/.test(m.text));
  assert.match(mine.text, /Conference talk/, '/myfiles shows the title');
  assert.ok(mine.buttons.flat().some((b) => /revoke/i.test(b.text)), '/myfiles offers to revoke the file');
  assert.deepEqual(linksOf(mine)[0], { download: set.download, stream: set.stream }, '/myfiles shows the links');
});

test('an album of three files gets one reply with three sets of links', async () => {
  const chat = Chat.open(h, 'Al');
  const before = chat.seen();
  const album = h.control.userSendsAlbum(chat.userId, chat.botId, [
    { fileName: 'one.mp4', mimeType: 'video/mp4', size: 1 * MB, video: { duration: 5 } },
    { photo: {} },
    { fileName: 'three.pdf', mimeType: 'application/pdf', size: 200_000 },
  ], 'Holiday');
  const { links } = await chat.linksReply(before, 3);
  assert.equal(links.length, 3);
  // Give a second reply time to show up if the album were answered per file.
  await new Promise((r) => setTimeout(r, 1500));
  const withLinks = chat.replies().filter((m) => !before.has(m.id) && linksOf(m).length > 0);
  assert.equal(withLinks.length, 1, 'one reply for the album');
  const photo = album.media.find((m): m is { photoId: string } => 'photoId' in m)!;
  const pdf = album.media[2] as { documentId: string };
  const pdfBytes = await bytesOf(links[2]!.download!);
  assert.ok(pdfBytes.body.equals(h.control.fileBytes(pdf.documentId, 0, 200_000)), 'the third link serves the PDF');
  const photoLinks = links[1]!;
  const photoBytes = await bytesOf(photoLinks.download!);
  assert.equal(photoBytes.status, 200);
  assert.ok(photoBytes.body.equals(h.control.photoBytes(photo.photoId, 'y', 0, photoBytes.body.length)), 'the photo link serves its largest size');
});

test('voice and audio are playable: stream links', async () => {
  const chat = Chat.open(h, 'Vo');
  let before = chat.seen();
  chat.sendFile({ fileName: 'note.ogg', mimeType: 'audio/ogg', size: 50_000, kind: 'voice' } as never);
  let { links } = await chat.linksReply(before);
  assert.ok(links[0]!.stream, 'a voice note gets a stream link');
  before = chat.seen();
  chat.sendFile({ fileName: 'song.mp3', mimeType: 'audio/mpeg', size: 80_000, kind: 'audio' } as never);
  ({ links } = await chat.linksReply(before));
  assert.ok(links[0]!.stream, 'audio gets a stream link');
  before = chat.seen();
  chat.sendFile({ fileName: 'notes.zip', mimeType: 'application/zip', size: 80_000 });
  ({ links } = await chat.linksReply(before));
  assert.equal(links[0]!.stream, undefined, 'a zip gets no stream link');
});

test('revoking from /myfiles answers 410 at once', async () => {
  const chat = Chat.open(h, 'Rita');
  const before = chat.seen();
  chat.sendFile({ fileName: 'secret.bin', size: 100_000 });
  const { links } = await chat.linksReply(before);
  assert.equal((await bytesOf(links[0]!.download!)).status, 200);
  const list = await chat.ask('/myfiles', (m) => m.buttons.flat().some((b) => b.data && /revoke/i.test(b.text)));
  const revoke = list.buttons.flat().find((b) => b.data && /revoke/i.test(b.text))!;
  await h.control.pressButton(chat.userId, chat.botId, list.id, revoke.data!);
  const gone = await bytesOf(links[0]!.download!);
  assert.equal(gone.status, 410);
  assert.match(gone.body.toString(), /revoked/i);
  assert.equal((await bytesOf(links[0]!.stream ?? links[0]!.download!)).status, 410);
});

test('a slow copy shows "Working on it" first, edited into the links; /start file_<id> sends them again', async () => {
  const chat = Chat.open(h, 'Slow');
  const before = chat.seen();
  h.control.setLatency(1, 1500);
  try {
    chat.sendFile({ fileName: 'slow.bin', size: 20_000 });
    const { msg, links } = await chat.linksReply(before);
    assert.equal(msg.edited, true, 'the links came as an edit of the progress message');
    assert.equal(chat.replies().filter((m) => !before.has(m.id)).length, 1, 'one message: the progress one, edited');
    h.control.setLatency(1, 0);
    const id = new URL(links[0]!.download!).pathname.split('/')[2]!;
    const again = await chat.ask(`/start file_${id}`, (m) => linksOf(m).length > 0);
    assert.equal(linksOf(again)[0]!.download, links[0]!.download);
  } finally {
    h.control.setLatency(1, 0);
  }
});
