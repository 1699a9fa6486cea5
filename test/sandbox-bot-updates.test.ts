// Missed updates as on Telegram: nothing is pushed when a bot connects; it asks with updates.getDifference from its
// saved state. Live updates reach only the home-DC connection, never a download connection on another DC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { BOT_RULES } from '../src/sandbox/rules.ts';
import { UpdatesLog } from '../src/sandbox/updates-log.ts';
import { closeClient, connectBot } from './support/sandbox-client.ts';

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
control.setBotSendLimits(null);
const clients: TelegramClient[] = [];
after(async () => {
  for (const c of clients) await closeClient(c);
  await sandbox.stop();
});

async function connect(token: string): Promise<{ client: TelegramClient; pushed: Api.TypeUpdate[] }> {
  const client = await connectBot(sandbox, token);
  clients.push(client);
  const pushed: Api.TypeUpdate[] = [];
  client.addEventHandler((u: any) => { pushed.push(u); }, new Raw({}));
  return { client, pushed };
}

const getState = (c: TelegramClient) => c.invoke(new Api.updates.GetState());
const difference = (c: TelegramClient, s: { pts: number; date: number; qts: number }, extra: { ptsTotalLimit?: number } = {}) => c.invoke(new Api.updates.GetDifference({ pts: s.pts, date: s.date, qts: s.qts, ...extra }));

test('rule difference: a bot that was away gets exactly what it missed from getDifference, and nothing is pushed when it connects', async () => {
  const bot = control.createBot({ username: 'away_bot' });
  const user = control.createUser({ firstName: 'Una' });
  const first = await connect(bot.token);
  control.userSendsText(user.id, bot.id, 'before');
  const saved = await getState(first.client);
  assert.equal(saved.pts, 1);
  await closeClient(first.client);

  for (const text of ['one', 'two', 'three']) control.userSendsText(user.id, bot.id, text);
  const pushedBefore = control.counters().updatesPushed;
  const { client, pushed } = await connect(bot.token);
  const d = await difference(client, saved);
  assert.ok(d instanceof Api.updates.Difference, `a difference (got ${d.className})`);
  assert.deepEqual(d.newMessages.map((m) => (m as Api.Message).message), ['one', 'two', 'three']);
  assert.ok(d.users.some((u) => String(u.id) === user.id), 'the sender is among the users');
  assert.equal(d.state.pts, saved.pts + 3);
  assert.equal(control.counters().updatesPushed, pushedBefore, 'nothing pushed on connect');
  assert.equal(pushed.filter((u) => u instanceof Api.UpdateNewMessage).length, 0);

  assert.ok((await difference(client, d.state)) instanceof Api.updates.DifferenceEmpty);

  // The bot's own sends and edits move its pts too; an edit comes in other_updates.
  const peer = new Api.InputPeerUser({ userId: BigInt(user.id) as any, accessHash: 0 as any });
  const sent = (await client.invoke(new Api.messages.SendMessage({ peer, message: 'reply', randomId: 7n as any }))) as Api.Updates;
  const id = sent.updates.find((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage)!.message.id;
  const afterSend = await getState(client);
  await client.invoke(new Api.messages.EditMessage({ peer, id, message: 'reply, edited' }));
  const edits = await difference(client, afterSend);
  assert.ok(edits instanceof Api.updates.Difference);
  assert.equal(edits.newMessages.length, 0);
  assert.deepEqual(edits.otherUpdates.map((u) => [u.className, ((u as Api.UpdateEditMessage).message as Api.Message).message]), [['UpdateEditMessage', 'reply, edited']]);
});

test('more than 100 missed messages come as differenceSlice pages with an intermediate state', async () => {
  const bot = control.createBot({ username: 'busy_bot' });
  const user = control.createUser({ firstName: 'Vic' });
  const { client } = await connect(bot.token);
  const saved = await getState(client);
  for (let i = 0; i < 150; i++) control.userSendsText(user.id, bot.id, `m${i}`);
  const page = await difference(client, saved);
  assert.ok(page instanceof Api.updates.DifferenceSlice, `a slice (got ${page.className})`);
  assert.equal(page.newMessages.length, 100);
  assert.equal(page.intermediateState.pts, saved.pts + 100);
  const rest = await difference(client, page.intermediateState);
  assert.ok(rest instanceof Api.updates.Difference);
  assert.deepEqual(rest.newMessages.map((m) => (m as Api.Message).message), Array.from({ length: 50 }, (_, i) => `m${100 + i}`));
});

test('rule difference-too-long: a gap beyond pts_total_limit, or older than the kept history, answers differenceTooLong', async () => {
  const bot = control.createBot({ username: 'late_again_bot' });
  const user = control.createUser({ firstName: 'Wes' });
  const { client } = await connect(bot.token);
  const saved = await getState(client);
  for (let i = 0; i < 3; i++) control.userSendsText(user.id, bot.id, `x${i}`);
  const d = await difference(client, saved, { ptsTotalLimit: 2 });
  assert.ok(d instanceof Api.updates.DifferenceTooLong);
  assert.equal(d.pts, saved.pts + 3);

  const log = new UpdatesLog(5);
  for (let pts = 1; pts <= 1010; pts++) log.record(1n, { pts, kind: 'new', messageId: pts, date: 0 });
  assert.deepEqual(log.plan(1n, 10, 1010, { sliceLimit: 100 }), { kind: 'too-long' });
  const recent = log.plan(1n, 1008, 1010, { sliceLimit: 100 });
  assert.ok(recent.kind === 'entries' && recent.final && recent.entries.map((e) => e.pts).join() === '1009,1010');
});

test('rule updates-home-dc: with a download connection on DC 2 the bot receives each update once, on its home connection', async () => {
  const bot = control.createBot({ username: 'dl_bot' });
  const user = control.createUser({ firstName: 'Xan' });
  const channel = control.createChannel({ title: 'files', admins: [bot.id] });
  const { client, pushed } = await connect(bot.token);
  const file = control.postFile(channel.id, { fileName: 'far.bin', size: 300_000, dcId: 2 });
  const res = (await client.invoke(new Api.channels.GetMessages({ channel: new Api.InputChannel({ channelId: BigInt(channel.id) as any, accessHash: BigInt(channel.accessHash) as any }), id: [new Api.InputMessageID({ id: file.messageId })] }))) as Api.messages.ChannelMessages;
  const bytes = (await client.downloadMedia(res.messages[0] as Api.Message, {})) as Buffer;
  assert.equal(bytes.length, file.size);
  const downloadConns = [...sandbox.dc(2).connections].filter((c) => String(c.key?.userId) === bot.id);
  assert.ok(downloadConns.length >= 1 && downloadConns.every((c) => c.receivesUpdates), 'a DC 2 connection authorized as the bot that made requests');
  const homeConns = [...sandbox.dc(1).connections].filter((c) => String(c.key?.userId) === bot.id);
  assert.ok(homeConns.length >= 2, 'gramjs also opened a second home-DC connection for the file');
  assert.equal(homeConns.filter((c) => c.receivesUpdates).length, 1, 'file queries do not subscribe a connection');

  const before = control.counters().updatesPushed;
  const { messageId } = control.userSendsText(user.id, bot.id, 'once');
  const deadline = Date.now() + 5000;
  while (!pushed.some((u) => u instanceof Api.UpdateNewMessage) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // A ping round trip: anything else pushed would have arrived before its answer.
  await getState(client);
  assert.equal(control.counters().updatesPushed - before, 1);
  assert.deepEqual(pushed.filter((u): u is Api.UpdateNewMessage => u instanceof Api.UpdateNewMessage).map((u) => u.message.id), [messageId]);
});

test('README lists every bot rule with its error and source', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const rule of BOT_RULES) {
    assert.ok(readme.includes(rule.source), `README cites ${rule.source} for ${rule.id}`);
    assert.ok(readme.includes(`\`${rule.id}\``), `README's rules table has ${rule.id}`);
  }
});
