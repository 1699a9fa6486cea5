// Users a bot cannot reach (blocked, deleted) and the bot's send limits, as an unmodified gramjs bot meets them;
// the same control calls over the HTTP form.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { Api, errors, type TelegramClient } from 'telegram';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { startControlServer } from '../src/sandbox/control-http.ts';
import { controlClient } from '../src/sandbox/control-client.ts';
import { closeClient, connectBot } from './support/sandbox-client.ts';

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
const bot = control.createBot({ username: 'reach_bot' });
let client: TelegramClient;
let randomId = 1n;

before(async () => {
  client = await connectBot(sandbox, bot.token);
});
after(async () => {
  if (client) await closeClient(client);
  await sandbox.stop();
});

/** A user who started the bot. */
function startedUser(name: string): { id: string; peer: Api.InputPeerUser } {
  const u = control.createUser({ firstName: name });
  control.userSendsText(u.id, bot.id, '/start');
  return { id: u.id, peer: new Api.InputPeerUser({ userId: BigInt(u.id) as any, accessHash: 0 as any }) };
}
const say = (peer: Api.TypeInputPeer, message = 'hello') => client.invoke(new Api.messages.SendMessage({ peer, message, randomId: (randomId++) as any })) as Promise<Api.Updates>;
const rpcError = (message: string, code: number) => (err: any) => err.errorMessage === message && err.code === code;

test('rule user-blocked: a bot writing to a user who blocked it → 403 USER_IS_BLOCKED; the user writing again unblocks it', async () => {
  control.setBotSendLimits(null);
  const bob = startedUser('Bob');
  control.userBlocksBot(bob.id, bot.id);
  await assert.rejects(say(bob.peer), rpcError('USER_IS_BLOCKED', 403));
  control.userBlocksBot(bob.id, bot.id, false);
  await say(bob.peer, 'unblocked by the control call');
  control.userBlocksBot(bob.id, bot.id, true);
  await assert.rejects(say(bob.peer), rpcError('USER_IS_BLOCKED', 403));
  control.userSendsText(bob.id, bot.id, 'back again');
  await say(bob.peer, 'welcome back');
  assert.deepEqual(control.messagesFromBot(bob.id, bot.id).map((m) => m.text), ['unblocked by the control call', 'welcome back']);
});

test('rule user-deactivated: a bot writing to a deleted account → 400 INPUT_USER_DEACTIVATED; users.getUsers shows it deleted', async () => {
  control.setBotSendLimits(null);
  const carol = startedUser('Carol');
  await say(carol.peer);
  control.deactivateUser(carol.id);
  await assert.rejects(say(carol.peer), rpcError('INPUT_USER_DEACTIVATED', 400));
  const [user] = (await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUser({ userId: BigInt(carol.id) as any, accessHash: 0 as any })] }))) as Api.User[];
  assert.ok(user instanceof Api.User && user.deleted);
  assert.ok(!user.firstName, 'a deleted account has no name');
  assert.throws(() => control.userSendsText(carol.id, bot.id, 'hi'), /deleted/);
  assert.throws(() => control.deactivateUser(bot.id), /bot/);
});

test('rule bot-send-per-chat: sends and edits into one chat beyond the burst → 420 FLOOD_WAIT_X, other chats unaffected', async () => {
  // A refill this slow keeps the test independent of how fast the machine is.
  control.setBotSendLimits({ perChat: { perSecond: 0.01, burst: 3 }, overall: { perSecond: 1000, burst: 1000 } });
  const dan = startedUser('Dan');
  const erin = startedUser('Erin');
  const first = await say(dan.peer);
  const id = first.updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage)!.message.id;
  await client.invoke(new Api.messages.EditMessage({ peer: dan.peer, id, message: 'edited' }));
  await client.invoke(new Api.messages.ForwardMessages({ fromPeer: dan.peer, id: [id], toPeer: dan.peer, randomId: [(randomId++) as any] }));
  const before = control.counters().sendFloodWaits;
  await assert.rejects(say(dan.peer), (err: any) => err instanceof errors.FloodWaitError && err.seconds >= 1);
  await assert.rejects(client.invoke(new Api.messages.EditMessage({ peer: dan.peer, id, message: 'again' })), (err: any) => err instanceof errors.FloodWaitError);
  assert.equal(control.counters().sendFloodWaits - before, 2);
  await say(erin.peer, 'another chat');
  control.setBotSendLimits(null);
  for (let i = 0; i < 10; i++) await say(dan.peer, `unlimited ${i}`);
});

test('rule bot-send-overall: sends across chats beyond the overall bucket → 420 FLOOD_WAIT_X', async () => {
  control.setBotSendLimits({ perChat: { perSecond: 1000, burst: 1000 }, overall: { perSecond: 0.01, burst: 2 } });
  const users = ['Fay', 'Gus', 'Hal'].map(startedUser);
  await say(users[0]!.peer);
  await say(users[1]!.peer);
  await assert.rejects(say(users[2]!.peer), (err: any) => err instanceof errors.FloodWaitError && err.seconds >= 1);
  assert.throws(() => control.setBotSendLimits({ perChat: { perSecond: 0, burst: 1 } }), /perChat.perSecond must be a positive number/);
  assert.throws(() => control.setBotSendLimits({ overall: { perSecond: 1, burst: 0 } }), /overall.burst/);
  control.setBotSendLimits(null);
});

test('the HTTP form: photos, albums, other content, blocking and limits, ids as decimal strings', async () => {
  const { server, url } = await startControlServer(control);
  try {
    const remote = controlClient(url);
    await remote.setBotSendLimits({ perChat: { perSecond: 1, burst: 5 } });
    const user = await remote.createUser({ firstName: 'Ivy' });
    const photo = await remote.userSendsPhoto(user.id, bot.id, { seed: 'remote' }, 'hi');
    assert.match(photo.photoId, /^-?\d+$/);
    const bytes = await remote.photoBytes(photo.photoId, 's', 0, 100);
    assert.ok(Buffer.isBuffer(bytes) && bytes.equals(control.photoBytes(photo.photoId, 's', 0, 100)));
    const album = await remote.userSendsAlbum(user.id, bot.id, [{ photo: {} }, { fileName: 'a.bin', size: 10 }]);
    assert.match(album.groupedId, /^-?\d+$/);
    assert.equal(album.messageIds.length, 2);
    assert.equal(typeof (await remote.userSendsOther(user.id, bot.id, 'dice')).messageId, 'number');
    await remote.userBlocksBot(user.id, bot.id, true);
    await assert.rejects(say(new Api.InputPeerUser({ userId: BigInt(user.id) as any, accessHash: 0 as any })), rpcError('USER_IS_BLOCKED', 403));
    await remote.deactivateUser(user.id);
    await remote.setBotSendLimits(null);
    assert.equal(typeof (await remote.counters()).sendFloodWaits, 'number');
  } finally {
    server.close();
  }
});
