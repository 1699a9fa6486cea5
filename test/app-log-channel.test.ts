// StreamBot refuses to start, naming LOG_CHANNEL, when a bot cannot use the log channel (unknown id, not an admin),
// instead of starting "healthy" and answering 502 to every link.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Sandbox, endpointOf } from '../src/sandbox/sandbox.ts';
import { SandboxControl } from '../src/sandbox/control.ts';
import { loadConfig, ConfigError } from '../src/config/index.ts';
import { startApp } from '../src/app/app.ts';

const sandbox = await new Sandbox().start();
const control = new SandboxControl(sandbox);
after(() => sandbox.stop());
const bot = control.createBot({ username: 'logcheck_bot' });

const start = (logChannel: string) => startApp(loadConfig({
  BOT_TOKEN: bot.token, LOG_CHANNEL: logChannel, SANDBOX_URL: 'http://127.0.0.1:1', PORT: '0', BIND_ADDRESS: '127.0.0.1', DATA_DIR: ':memory:',
}), { sandbox: endpointOf(sandbox), logger: pino({ level: 'silent' }) });

test('a log channel the bot is not an admin of', async () => {
  const channel = control.createChannel({ title: 'not mine', members: [bot.id] });
  await assert.rejects(start(`-100${channel.id}`), (err: unknown) => err instanceof ConfigError && /LOG_CHANNEL/.test(err.message) && /admin/.test(err.message) && /@logcheck_bot/.test(err.message));
});

test('a log channel that does not exist', async () => {
  await assert.rejects(start('-1009999999999'), (err: unknown) => err instanceof ConfigError && /LOG_CHANNEL -1009999999999/.test(err.message));
});

test('a log channel the bot administers: StreamBot starts', async () => {
  const channel = control.createChannel({ title: 'mine', admins: [bot.id] });
  const app = await start(`-100${channel.id}`);
  await app.close();
});
