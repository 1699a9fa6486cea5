// The bot calls of a session worker (real gramjs against the sandbox): updates in, messages with buttons out,
// forwarding a user's file into the log channel, callback answers, membership checks, commands.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startHarness } from './support/streambot.ts';
import { get } from './support/http-fetch.ts';
import type { BotUpdate, SessionEvent } from '../actors/session/protocol.ts';

const h = await startHarness({ sessions: 2 });
after(() => h.close());
const updates: { index: number; update: BotUpdate }[] = [];
h.app.supervisor.on('event', ({ index, event }) => {
  const e = event as SessionEvent;
  if (e.type === 'update') updates.push({ index, update: e.update });
});
const user = h.control.createUser({ firstName: 'Ada', username: 'ada' });
const logChannel = `-100${h.channel.id}`;

async function nextUpdate<K extends BotUpdate['kind']>(kind: K, from = 0): Promise<Extract<BotUpdate, { kind: K }>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = updates.slice(from).find((u) => u.update.kind === kind);
    if (found) return found.update as Extract<BotUpdate, { kind: K }>;
    if (Date.now() > deadline) throw new Error(`no ${kind} update`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a file a user sends arrives as a plain update and is forwarded into the log channel, then streams', async () => {
  const sent = h.control.userSendsFile(user.id, h.bots[0]!.id, { fileName: 'talk.mp4', mimeType: 'video/mp4', size: 3_000_000, video: { duration: 61, width: 640, height: 360 } });
  const u = await nextUpdate('message');
  assert.equal(u.chatId, user.id);
  assert.equal(u.fromId, user.id);
  assert.deepEqual(u.file, { size: 3_000_000, mimeType: 'video/mp4', fileName: 'talk.mp4', uniqueId: sent.documentId, isVideo: true, kind: 'video', duration: 61, width: 640, height: 360 });
  assert.equal(u.fromUsername, 'ada');
  assert.equal(u.fromFirstName, 'Ada');
  assert.equal(u.fromBot, undefined);
  assert.ok(u.date > 0);
  assert.ok(updates.every((x) => x.index === 0), 'only the primary session reports updates');

  const fwd = await h.app.supervisor.callBot(0, 'forwardToChannel', u.chatId, u.messageId, logChannel);
  assert.equal(fwd.file?.size, 3_000_000);
  assert.deepEqual(h.control.channelMessages(h.channel.id).at(-1), { id: fwd.messageId, text: '', documentId: sent.documentId, forwarded: true });
  const res = await get(`${h.base}/stream/${fwd.messageId}`);
  assert.ok(res.body.equals(h.control.fileBytes(sent.documentId, 0, 3_000_000)));
});

test('messages with inline buttons, callback answers and edits', async () => {
  const from = updates.length;
  const { messageId } = await h.app.supervisor.callBot(0, 'sendMessage', { chatId: user.id, text: '<b>Your link</b> is ready', html: true, buttons: [[{ text: 'Open', url: 'http://127.0.0.1/stream/x' }], [{ text: 'Revoke', data: 'revoke:x' }]] });
  const [msg] = h.control.messagesFromBot(user.id, h.bots[0]!.id).filter((m) => m.text === 'Your link is ready');
  assert.ok(msg);
  assert.deepEqual(msg.buttons, [[{ text: 'Open', url: 'http://127.0.0.1/stream/x', data: undefined }], [{ text: 'Revoke', data: 'revoke:x', url: undefined }]]);

  const answered = h.control.pressButton(user.id, h.bots[0]!.id, msg.id, 'revoke:x');
  const cb = await nextUpdate('callback', from);
  assert.equal(cb.data, 'revoke:x');
  assert.equal(cb.fromId, user.id);
  assert.equal(cb.messageId, messageId);
  await h.app.supervisor.callBot(0, 'answerCallback', cb.queryId, 'Revoked');
  assert.equal((await answered).message, 'Revoked');

  await h.app.supervisor.callBot(0, 'editMessage', user.id, messageId, 'Link revoked', null);
  const edited = h.control.messagesFromBot(user.id, h.bots[0]!.id).find((m) => m.id === msg.id)!;
  assert.equal(edited.text, 'Link revoked');
  assert.equal(edited.edited, true);
  assert.deepEqual(edited.buttons, []);
});

test('force-subscribe membership and bot commands', async () => {
  const sub = h.control.createChannel({ title: 'news', admins: [h.bots[0]!.id] });
  assert.equal(await h.app.supervisor.callBot(0, 'channelMembership', `-100${sub.id}`, user.id), 'none');
  h.control.setMember(sub.id, user.id, 'member');
  assert.equal(await h.app.supervisor.callBot(0, 'channelMembership', `-100${sub.id}`, user.id), 'member');
  assert.equal(await h.app.supervisor.callBot(0, 'channelMembership', `-100${sub.id}`, h.bots[0]!.id), 'admin');
  await h.app.supervisor.callBot(0, 'setCommands', [{ command: 'start', description: 'Start' }]);
  assert.deepEqual(h.control.botCommands(h.bots[0]!.id), [{ command: 'start', description: 'Start' }]);
});

test('errors come back typed: writing to a user who never started the bot', async () => {
  const stranger = h.control.createUser({ firstName: 'Stan' });
  await assert.rejects(h.app.supervisor.callBot(0, 'sendMessage', { chatId: stranger.id, text: 'hi' }), (err: any) => err.code === 'PEER_ID_INVALID' && err.rpcCode === 400);
});
