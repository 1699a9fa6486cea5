// Updates for a bot that is offline are kept and delivered when it connects, as Telegram does.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Api, type TelegramClient } from 'telegram';
import { Raw } from 'telegram/events/index.js';
import { Sandbox } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { closeClient, connectBot } from './support/sandbox-client.ts';

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
let client: TelegramClient | undefined;
after(async () => {
  if (client) await closeClient(client);
  await sandbox.stop();
});

test('messages sent while the bot was offline arrive after it logs in, in order', async () => {
  const bot = control.createBot({ username: 'late_bot' });
  const user = control.createUser({ firstName: 'Early' });
  control.userSendsText(user.id, bot.id, 'first');
  control.userSendsText(user.id, bot.id, 'second');
  const texts: string[] = [];
  client = await connectBot(sandbox, bot.token);
  client.addEventHandler((u: any) => {
    if (u instanceof Api.UpdateNewMessage) texts.push((u.message as Api.Message).message);
  }, new Raw({}));
  // The backlog goes out after the client's next request on an update-receiving connection.
  await client.invoke(new Api.updates.GetState());
  const deadline = Date.now() + 5000;
  while (texts.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(texts, ['first', 'second']);
});
