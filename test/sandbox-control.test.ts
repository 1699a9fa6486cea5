// The control API: `npm run sandbox` in its own process, its HTTP form, and the network knobs.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Api, type TelegramClient } from 'telegram';
import { controlClient } from '../src/sandbox/control-client.ts';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import type { SandboxEndpoint } from '../src/sandbox/client.ts';
import { closeClient, connectBot } from './support/sandbox-client.ts';

let proc: ChildProcess;
let info: { sandbox: SandboxEndpoint; control: string };
before(async () => {
  proc = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  info = JSON.parse(await new Promise<string>((r) => createInterface({ input: proc.stdout! }).once('line', r)));
});
after(() => { proc?.kill('SIGTERM'); });

test('npm run sandbox prints its endpoint and serves the control API over HTTP', async () => {
  assert.ok(info.sandbox.ports[1]! < 32768 && info.sandbox.ports[2]! < 32768);
  const control = controlClient(info.control);
  assert.deepEqual(await control.info(), info.sandbox);
  const bot = await control.createBot({ username: 'http_bot' });
  const user = await control.createUser({ firstName: 'Hugo' });
  await control.userSendsText(user.id, bot.id, 'hello');
  assert.deepEqual(await control.messagesFromBot(user.id, bot.id), []);
  const counters = await control.counters();
  assert.equal(counters.handshakes, 0);
  await assert.rejects(control.createBot({} as any), /sandbox control createBot/);
  const res = await fetch(`${info.control}/control/notAMethod`, { method: 'POST', body: '[]' });
  assert.equal(res.status, 404);
  const bad = await fetch(`${info.control}/control/counters`, { method: 'POST', body: '{"not":"an array"}' });
  assert.equal(bad.status, 400);
  const bytes = await control.postFile((await control.createChannel({ title: 'c' })).id, { fileName: 'x', base64: Buffer.from('hello').toString('base64') });
  assert.equal(bytes.size, 5);
});

test('knobs: per-DC latency, dropped connections, file-reference lifetime, bot commands', async () => {
  const sandbox = await new Sandbox().start();
  const control = new SandboxControl(sandbox);
  const bot = control.createBot({ username: 'knob_bot' });
  const channel = control.createChannel({ title: 'log', admins: [bot.id] });
  const f = control.postFile(channel.id, { fileName: 'k.bin', size: 8192 });
  let client: TelegramClient | undefined;
  try {
    client = await connectBot(sandbox, bot.token);
    const getMessages = () => client!.invoke(new Api.channels.GetMessages({ channel: new Api.InputChannel({ channelId: BigInt(channel.id) as any, accessHash: BigInt(channel.accessHash) as any }), id: [new Api.InputMessageID({ id: f.messageId })] }));

    control.setLatency(1, 300);
    const t0 = performance.now();
    await getMessages();
    assert.ok(performance.now() - t0 >= 290, 'latency applied');
    control.setLatency(1, 0);
    assert.equal(sandbox.latencyMs(1), 0, 'latency removed');
    await getMessages();

    const before = control.counters().connections;
    assert.ok(control.dropConnections({ userId: bot.id }) >= 1);
    await getMessages(); // gramjs reconnects by itself
    assert.ok(control.counters().connections > before);

    control.setFileReferenceTtl(50);
    const res = (await getMessages()) as Api.messages.ChannelMessages;
    const doc = ((res.messages[0] as Api.Message).media as Api.MessageMediaDocument).document as Api.Document;
    await new Promise((r) => setTimeout(r, 80));
    await assert.rejects(client.invoke(new Api.upload.GetFile({ location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }), offset: BigInt(0) as any, limit: 4096 })), (e: any) => e.errorMessage === 'FILE_REFERENCE_EXPIRED');

    await client.invoke(new Api.bots.SetBotCommands({ scope: new Api.BotCommandScopeDefault(), langCode: '', commands: [new Api.BotCommand({ command: 'start', description: 'Start' }), new Api.BotCommand({ command: 'files', description: 'Your files' })] }));
    assert.deepEqual(control.botCommands(bot.id).map((c) => c.command), ['start', 'files']);
  } finally {
    if (client) await closeClient(client);
    await sandbox.stop();
  }
});
