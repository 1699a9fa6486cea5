import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { TelegramClient, Api } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { Sandbox, endpointOf } from '../src/sandbox/sandbox.ts';
import { sandboxConnection, trustSandboxKey } from '../src/sandbox/client.ts';

const sandbox = await new Sandbox().start();
after(() => sandbox.stop());

test('gramjs logs in as a bot', async () => {
  const bot = sandbox.world.createBot({ username: 'test_bot' });
  const ep = endpointOf(sandbox);
  trustSandboxKey(ep);
  const session = new StringSession('');
  session.setDC(1, ep.host, ep.ports[1]!);
  const client = new TelegramClient(session, 1, 'hash', { connection: sandboxConnection(ep), connectionRetries: 1, floodSleepThreshold: 0, baseLogger: new Logger(LogLevel.ERROR) });
  await client.start({ botAuthToken: bot.token });
  const me = await client.getMe();
  assert.equal(String((me as Api.User).id), String(bot.id));
  await client.destroy();
});
