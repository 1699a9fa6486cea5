// What users send a file-to-link bot, as an unmodified gramjs bot sees it: documents of every kind with Telegram's
// attributes, photos with several sizes (downloaded size by size), albums, other content, and copies the bot sends.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Api, errors, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { closeClient, connectBot } from './support/sandbox-client.ts';
import { pollFor } from './support/poll.ts';

const MiB = 1 << 20;
const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bot = control.createBot({ username: 'media_bot' });
const alice = control.createUser({ firstName: 'Alice' });
const logChannel = control.createChannel({ title: 'log', admins: [bot.id] });
let client: TelegramClient;
const updates: any[] = [];

before(async () => {
  // These tests send more than the per-chat burst; the limits have their own tests.
  control.setBotSendLimits(null);
  client = await connectBot(sandbox, bot.token);
  client.addEventHandler((u: any) => { updates.push(u); }, new Raw({}));
});
after(async () => {
  if (client) await closeClient(client);
  await sandbox.stop();
});


const messageUpdate = (id: number) => pollFor(() => updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage && u.message.id === id)?.message as Api.Message | undefined, `message ${id}`);
const alicePeer = () => new Api.InputPeerUser({ userId: BigInt(alice.id) as any, accessHash: 0 as any });
const channelPeer = () => new Api.InputPeerChannel({ channelId: BigInt(logChannel.id) as any, accessHash: BigInt(logChannel.accessHash) as any });
let randomId = 1000n;
const nextRandom = () => (randomId++) as any;

/** The bot's message id as the user sees it: sent copies are mirrored into the user's box. */
const attr = <T>(doc: Api.Document, cls: new (...a: any[]) => T): T | undefined => doc.attributes.find((a) => a instanceof cls) as T | undefined;

test('each kind of file arrives with Telegram\'s attributes, and the bot can send it back as a copy with a new caption', async () => {
  const kinds = [
    { kind: 'document', file: { fileName: 'notes.pdf', mimeType: 'application/pdf', size: 5000 } },
    { kind: 'video', file: { fileName: 'clip.mp4', size: 9000, video: { duration: 12, width: 640, height: 360 } } },
    { kind: 'audio', file: { fileName: 'song.mp3', kind: 'audio', size: 7000, audio: { duration: 200, title: 'Song', performer: 'Band' } } },
    { kind: 'voice', file: { fileName: 'voice.ogg', kind: 'voice', size: 3000, audio: { duration: 4 } } },
    { kind: 'animation', file: { fileName: 'funny.mp4', kind: 'animation', size: 4000 } },
    { kind: 'video_note', file: { fileName: 'round.mp4', kind: 'video_note', size: 6000, video: { duration: 9 } } },
    { kind: 'sticker', file: { fileName: 'sticker.webp', kind: 'sticker', size: 2000 } },
  ] as const;
  for (const { kind, file } of kinds) {
    const sent = control.userSendsFile(alice.id, bot.id, file as any, `a ${kind}`);
    assert.equal(sent.kind, kind);
    const msg = await messageUpdate(sent.messageId);
    const media = msg.media as Api.MessageMediaDocument;
    const doc = media.document as Api.Document;
    assert.equal(msg.message, `a ${kind}`);
    const fileName = attr(doc, Api.DocumentAttributeFilename)?.fileName;
    const video = attr(doc, Api.DocumentAttributeVideo);
    const audio = attr(doc, Api.DocumentAttributeAudio);
    const animated = attr(doc, Api.DocumentAttributeAnimated);
    const sticker = attr(doc, Api.DocumentAttributeSticker);
    switch (kind) {
      case 'document':
        assert.equal(fileName, 'notes.pdf');
        assert.equal(doc.mimeType, 'application/pdf');
        assert.ok(!video && !audio && !animated && !sticker);
        break;
      case 'video':
        assert.ok(media.video && video?.supportsStreaming && !video.roundMessage);
        assert.equal(video.w, 640);
        assert.equal(fileName, 'clip.mp4');
        break;
      case 'audio':
        assert.ok(audio && !audio.voice);
        assert.deepEqual([audio.duration, audio.title, audio.performer], [200, 'Song', 'Band']);
        assert.equal(doc.mimeType, 'audio/mpeg');
        break;
      case 'voice':
        assert.ok(media.voice && audio?.voice);
        assert.equal(audio.duration, 4);
        assert.equal(fileName, undefined, 'a voice message has no file name');
        assert.equal(doc.mimeType, 'audio/ogg');
        break;
      case 'animation':
        assert.ok(animated && video);
        assert.equal(doc.mimeType, 'video/mp4');
        assert.ok(!media.video);
        break;
      case 'video_note':
        assert.ok(media.round && video?.roundMessage);
        assert.equal(video.w, video.h);
        break;
      case 'sticker':
        assert.ok(sticker);
        assert.equal(doc.mimeType, 'image/webp');
        break;
    }
    await client.invoke(new Api.messages.SendMedia({
      peer: alicePeer(),
      media: new Api.InputMediaDocument({ id: new Api.InputDocument({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference }) }),
      message: `copy of ${kind}`,
      randomId: nextRandom(),
    }));
    const copy = control.messagesFromBot(alice.id, bot.id).at(-1)!;
    assert.deepEqual([copy.text, copy.mediaKind, copy.documentId], [`copy of ${kind}`, kind, sent.documentId]);
  }
});

const downloadPart = (photo: Api.Photo, thumbSize: string, dcId?: number, offset = 0) => client.invoke(new Api.upload.GetFile({
  location: new Api.InputPhotoFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize }),
  offset: BigInt(offset) as any,
  limit: MiB,
}), dcId) as Promise<Api.upload.File>;

test('rule photo-sizes: a photo arrives with Telegram\'s sizes, each downloads byte-exact on its own; an unknown size → 400 LOCATION_INVALID', async () => {
  const sent = control.userSendsPhoto(alice.id, bot.id, { seed: 'holiday' }, 'beach');
  assert.deepEqual(sent.largest, { type: 'y', size: 152_774 });
  const msg = await messageUpdate(sent.messageId);
  const photo = (msg.media as Api.MessageMediaPhoto).photo as Api.Photo;
  assert.equal(String(photo.id), sent.photoId);
  assert.equal(photo.dcId, 1);
  assert.deepEqual(photo.sizes.map((s) => (s as Api.PhotoSize).type), ['s', 'm', 'x', 'y']);
  const seen = new Set<string>();
  for (const size of photo.sizes as Api.PhotoSize[]) {
    const part = await downloadPart(photo, size.type);
    assert.equal(part.bytes.length, size.size);
    assert.ok(Buffer.from(part.bytes).equals(control.photoBytes(sent.photoId, size.type, 0, size.size)), `size ${size.type} byte-exact`);
    seen.add(Buffer.from(part.bytes).subarray(0, 64).toString('hex'));
  }
  assert.equal(seen.size, 4, 'each size has its own bytes');
  await assert.rejects(downloadPart(photo, 'w'), (err: any) => err.errorMessage === 'LOCATION_INVALID' && err.code === 400);
  await assert.rejects(client.invoke(new Api.upload.GetFile({ location: new Api.InputPhotoFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize: 'y' }), offset: BigInt(1000) as any, limit: MiB })), (err: any) => err.errorMessage === 'OFFSET_INVALID');
});

test('a large photo on another DC: FILE_MIGRATE, 1 MiB parts, FILE_REFERENCE_EXPIRED until the message is fetched again', async () => {
  const sizes = [{ type: 'm', w: 320, h: 240, size: 20_000 }, { type: 'w', w: 2560, h: 1920, size: MiB + 5000 }];
  const sent = control.userSendsPhoto(alice.id, bot.id, { sizes, dcId: 2 });
  let photo = ((await messageUpdate(sent.messageId)).media as Api.MessageMediaPhoto).photo as Api.Photo;
  await assert.rejects(downloadPart(photo, 'w'), (err: any) => err instanceof errors.FileMigrateError && err.newDc === 2);
  const first = await downloadPart(photo, 'w', 2);
  assert.equal(first.bytes.length, MiB);
  control.expireFileReferences();
  await assert.rejects(downloadPart(photo, 'w', 2, MiB), (err: any) => err.errorMessage === 'FILE_REFERENCE_EXPIRED');
  const again = (await client.invoke(new Api.messages.GetMessages({ id: [new Api.InputMessageID({ id: sent.messageId })] }))) as Api.messages.Messages;
  photo = ((again.messages[0] as Api.Message).media as Api.MessageMediaPhoto).photo as Api.Photo;
  const tail = await downloadPart(photo, 'w', 2, MiB);
  assert.ok(Buffer.concat([first.bytes, tail.bytes]).equals(control.photoBytes(sent.photoId, 'w', 0, MiB + 5000)));
});

test('rule media-resend: the bot copies a photo into the log channel and to a user with messages.sendMedia(inputMediaPhoto); a stale reference or a long caption is refused', async () => {
  const sent = control.userSendsPhoto(alice.id, bot.id);
  const photo = ((await messageUpdate(sent.messageId)).media as Api.MessageMediaPhoto).photo as Api.Photo;
  const media = (ref = photo.fileReference) => new Api.InputMediaPhoto({ id: new Api.InputPhoto({ id: photo.id, accessHash: photo.accessHash, fileReference: ref }) });
  const res = (await client.invoke(new Api.messages.SendMedia({ peer: channelPeer(), media: media(), message: 'kept', randomId: nextRandom() }))) as Api.Updates;
  const posted = res.updates.find((u): u is Api.UpdateNewChannelMessage => u instanceof Api.UpdateNewChannelMessage)!.message as Api.Message;
  assert.equal(String(((posted.media as Api.MessageMediaPhoto).photo as Api.Photo).id), sent.photoId);
  assert.deepEqual(control.channelMessages(logChannel.id).at(-1), { id: posted.id, text: 'kept', documentId: undefined, photoId: sent.photoId, forwarded: false });

  await client.invoke(new Api.messages.SendMedia({ peer: alicePeer(), media: media(), message: 'broadcast', randomId: nextRandom() }));
  const last = control.messagesFromBot(alice.id, bot.id).at(-1)!;
  assert.deepEqual([last.text, last.mediaKind, last.photoId], ['broadcast', 'photo', sent.photoId]);

  await assert.rejects(client.invoke(new Api.messages.SendMedia({ peer: alicePeer(), media: media(), message: 'x'.repeat(1025), randomId: nextRandom() })), (err: any) => err.errorMessage === 'MEDIA_CAPTION_TOO_LONG');
  await assert.rejects(client.invoke(new Api.messages.SendMedia({ peer: alicePeer(), media: media(Buffer.alloc(20, 7)), message: '', randomId: nextRandom() })), (err: any) => err.errorMessage === 'FILE_REFERENCE_INVALID');
  control.expireFileReferences();
  await assert.rejects(client.invoke(new Api.messages.SendMedia({ peer: alicePeer(), media: media(), message: '', randomId: nextRandom() })), (err: any) => err.errorMessage === 'FILE_REFERENCE_EXPIRED');
});

test('an album arrives in one updates container: consecutive messages with one grouped_id, the caption on the first; forwarded it stays an album', async () => {
  const before = control.counters().updatesPushed;
  const album = control.userSendsAlbum(alice.id, bot.id, [{ photo: {} }, { fileName: 'b.mp4', size: 3000, video: { duration: 3 } }, { photo: { seed: 'third' } }], 'trip');
  assert.equal(album.messageIds.length, 3);
  assert.deepEqual(album.messageIds, [album.messageIds[0]!, album.messageIds[0]! + 1, album.messageIds[0]! + 2]);
  const msgs = await Promise.all(album.messageIds.map(messageUpdate));
  assert.equal(control.counters().updatesPushed - before, 1, 'one push for the whole album');
  assert.deepEqual(msgs.map((m) => String(m.groupedId)), [album.groupedId, album.groupedId, album.groupedId]);
  assert.deepEqual(msgs.map((m) => m.message), ['trip', '', '']);
  assert.deepEqual(msgs.map((m) => m.media?.className), ['MessageMediaPhoto', 'MessageMediaDocument', 'MessageMediaPhoto']);
  assert.ok('photoId' in album.media[0]! && 'documentId' in album.media[1]!);

  const res = (await client.invoke(new Api.messages.ForwardMessages({ fromPeer: alicePeer(), id: album.messageIds, toPeer: channelPeer(), randomId: album.messageIds.map(() => nextRandom()) }))) as Api.Updates;
  const posted = res.updates.filter((u): u is Api.UpdateNewChannelMessage => u instanceof Api.UpdateNewChannelMessage).map((u) => u.message as Api.Message);
  assert.equal(posted.length, 3);
  assert.equal(new Set(posted.map((m) => String(m.groupedId))).size, 1);
  assert.notEqual(String(posted[0]!.groupedId), album.groupedId);
});

test('other content: sticker, contact, location, poll and dice arrive as their MessageMedia', async () => {
  const expected = { sticker: 'MessageMediaDocument', contact: 'MessageMediaContact', location: 'MessageMediaGeo', poll: 'MessageMediaPoll', dice: 'MessageMediaDice' } as const;
  for (const [what, cls] of Object.entries(expected)) {
    const { messageId } = control.userSendsOther(alice.id, bot.id, what as keyof typeof expected);
    const msg = await messageUpdate(messageId);
    assert.equal(msg.media?.className, cls, what);
    if (what === 'sticker') assert.ok(((msg.media as Api.MessageMediaDocument).document as Api.Document).attributes.some((a) => a instanceof Api.DocumentAttributeSticker));
    if (what === 'dice') assert.ok((msg.media as Api.MessageMediaDice).value >= 1 && (msg.media as Api.MessageMediaDice).value <= 6);
    if (what === 'poll') assert.equal((msg.media as Api.MessageMediaPoll).poll.answers.length, 2);
  }
  assert.throws(() => control.userSendsOther(alice.id, bot.id, 'game' as any), /sticker, contact, location, poll, dice/);
  assert.throws(() => control.userSendsFile(alice.id, bot.id, { fileName: 'x', size: 1, kind: 'gif' as any }), /file.kind must be one of/);
  assert.throws(() => control.userSendsPhoto(alice.id, bot.id, { sizes: [{ type: 'mm', w: 1, h: 1, size: 1 }] }), /one letter/);
});
