// End to end: an unmodified gramjs bot client against the sandbox DC.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Api, errors, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { closeClient, connectBot } from './support/sandbox-client.ts';
import { pollFor } from './support/poll.ts';

const MiB = 1 << 20;
const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bot = control.createBot({ username: 'files_bot' });
const alice = control.createUser({ firstName: 'Alice', username: 'alice' });
const logChannel = control.createChannel({ title: 'log', admins: [bot.id] });
let client: TelegramClient;
const updates: Api.TypeUpdate[] = [];

before(async () => {
  client = await connectBot(sandbox, bot.token);
  client.addEventHandler((u: any) => { updates.push(u); }, new Raw({}));
});
after(async () => {
  if (client) await closeClient(client);
  await sandbox.stop();
});


const inputChannel = () => new Api.InputChannel({ channelId: BigInt(logChannel.id) as any, accessHash: BigInt(logChannel.accessHash) as any });

/** Downloads a log-channel document block by block the way the session actors do: 1 MiB parts, handling migrate, flood and expired references. */
async function downloadFromChannel(messageId: number, size: number, onBlock?: (i: number) => void) {
  const seen = { floodWaits: 0, migrations: 0, refreshes: 0 };
  const fetchDoc = async () => {
    const res = (await client.invoke(new Api.channels.GetMessages({ channel: inputChannel(), id: [new Api.InputMessageID({ id: messageId })] }))) as Api.messages.ChannelMessages;
    const msg = res.messages[0] as Api.Message;
    return (msg.media as Api.MessageMediaDocument).document as Api.Document;
  };
  let doc = await fetchDoc();
  let dcId: number | undefined; // start on the home DC: the sandbox must redirect with FILE_MIGRATE
  const hash = createHash('sha256');
  for (let offset = 0, i = 0; offset < size; i++) {
    onBlock?.(i);
    try {
      const part = (await client.invoke(new Api.upload.GetFile({
        location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }),
        offset: BigInt(offset) as any,
        limit: MiB,
      }), dcId)) as Api.upload.File;
      hash.update(part.bytes);
      offset += part.bytes.length;
      if (part.bytes.length < MiB) break;
    } catch (err: any) {
      if (err instanceof errors.FileMigrateError) { dcId = err.newDc; seen.migrations++; continue; }
      if (err instanceof errors.FloodWaitError) { seen.floodWaits++; await new Promise((r) => setTimeout(r, err.seconds * 1000)); continue; }
      if (err.errorMessage === 'FILE_REFERENCE_EXPIRED') { doc = await fetchDoc(); seen.refreshes++; continue; }
      throw err;
    }
  }
  return { digest: hash.digest('hex'), ...seen };
}

test('a document sent to the bot arrives as an update, is forwarded to the log channel, and 64 MiB download byte-exact through FLOOD_WAIT, FILE_MIGRATE and FILE_REFERENCE_EXPIRED', async () => {
  const size = 64 * MiB;
  const sent = control.userSendsFile(alice.id, bot.id, { fileName: 'movie.mp4', mimeType: 'video/mp4', size, dcId: 2, video: { duration: 120, width: 1920, height: 1080 } });
  const update = await pollFor(() => updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage), 'new message update');
  const msg = update.message as Api.Message;
  assert.equal(String((msg.peerId as Api.PeerUser).userId), alice.id);
  const doc = (msg.media as Api.MessageMediaDocument).document as Api.Document;
  assert.equal(Number(doc.size), size);
  assert.equal(doc.dcId, 2);
  assert.equal(doc.mimeType, 'video/mp4');
  const video = doc.attributes.find((a): a is Api.DocumentAttributeVideo => a instanceof Api.DocumentAttributeVideo);
  assert.ok(video?.supportsStreaming);
  assert.equal(video?.w, 1920);
  assert.equal((doc.attributes.find((a) => a instanceof Api.DocumentAttributeFilename) as Api.DocumentAttributeFilename).fileName, 'movie.mp4');

  const fwd = (await client.invoke(new Api.messages.ForwardMessages({ fromPeer: new Api.InputPeerUser({ userId: BigInt(alice.id) as any, accessHash: (msg as any)._sender?.accessHash ?? (0 as any) }), id: [msg.id], toPeer: new Api.InputPeerChannel({ channelId: BigInt(logChannel.id) as any, accessHash: BigInt(logChannel.accessHash) as any }), randomId: [BigInt(Date.now()) as any] }))) as Api.Updates;
  const posted = fwd.updates.find((u): u is Api.UpdateNewChannelMessage => u instanceof Api.UpdateNewChannelMessage)!;
  const channelMsgId = posted.message.id;
  assert.deepEqual(control.channelMessages(logChannel.id).map((m) => m.forwarded), [true]);

  control.failNext('upload.GetFile', 1, { code: 420, message: 'FLOOD_WAIT_1' }, bot.id);
  const before = control.counters();
  const result = await downloadFromChannel(channelMsgId, size, (i) => { if (i === 20) control.expireFileReferences(); });
  const expected = createHash('sha256').update(control.fileBytes(sent.documentId, 0, size)).digest('hex');
  assert.equal(result.digest, expected);
  assert.equal(result.migrations, 1);
  assert.equal(result.floodWaits, 1);
  assert.ok(result.refreshes >= 1);
  const afterCounters = control.counters();
  assert.equal(afterCounters.bytesServed - before.bytesServed, size);
  assert.ok(afterCounters.exportedAuthorizations >= 1);
  assert.equal(afterCounters.errors['FILE_REFERENCE_EXPIRED'], result.refreshes);
});

test('gramjs downloadMedia (its own 512 KiB parts, exported DC 2 sender) downloads byte-exact', async () => {
  const sent = control.postFile(logChannel.id, { fileName: 'a.bin', size: 3 * MiB + 12345, dcId: 2 });
  const res = (await client.invoke(new Api.channels.GetMessages({ channel: inputChannel(), id: [new Api.InputMessageID({ id: sent.messageId })] }))) as Api.messages.ChannelMessages;
  const buf = (await client.downloadMedia(res.messages[0] as Api.Message, {})) as Buffer;
  assert.equal(buf.length, sent.size);
  assert.ok(buf.equals(control.fileBytes(sent.documentId, 0, sent.size)));
});

test('a reply with inline buttons is read back, and a button press reaches the bot as a callback query', async () => {
  control.userSendsText(alice.id, bot.id, '/start');
  const update = await pollFor(() => updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage && (u.message as Api.Message).message === '/start'), '/start');
  const peer = new Api.InputPeerUser({ userId: BigInt(alice.id) as any, accessHash: 0 as any });
  await client.invoke(new Api.messages.SendMessage({
    peer,
    message: 'Your link is ready',
    randomId: BigInt(1) as any,
    replyMarkup: new Api.ReplyInlineMarkup({ rows: [new Api.KeyboardButtonRow({ buttons: [
      new Api.KeyboardButtonUrl({ text: 'Download', url: 'http://127.0.0.1/dl/1' }),
      new Api.KeyboardButtonCallback({ text: 'Revoke', data: Buffer.from('revoke:1') }),
    ] })] }),
  }));
  assert.ok(update);
  const [reply] = await control.waitForBotMessages(alice.id, bot.id, 1);
  assert.equal(reply!.text, 'Your link is ready');
  assert.deepEqual(reply!.buttons, [[{ text: 'Download', url: 'http://127.0.0.1/dl/1', data: undefined }, { text: 'Revoke', data: 'revoke:1', url: undefined }]]);

  const answered = control.pressButton(alice.id, bot.id, reply!.id, 'revoke:1');
  const cq = await pollFor(() => updates.find((u): u is Api.UpdateBotCallbackQuery => u instanceof Api.UpdateBotCallbackQuery), 'callback query');
  assert.equal(Buffer.from(cq.data!).toString(), 'revoke:1');
  await client.invoke(new Api.messages.SetBotCallbackAnswer({ queryId: cq.queryId, message: 'Revoked' }));
  assert.deepEqual(await answered, { message: 'Revoked', alert: false, url: undefined });

  await client.invoke(new Api.messages.EditMessage({ peer, id: cq.msgId, message: 'Link revoked' }));
  const [edited] = control.messagesFromBot(alice.id, bot.id);
  assert.equal(edited!.text, 'Link revoked');
  assert.equal(edited!.edited, true);
});
