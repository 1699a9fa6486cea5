// Repeated auth key exchanges must never fail sporadically (a server that keeps leading zero bytes of the auth key,
// unlike gramjs, fails about 1 in 256).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { TelegramClient, Api } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { Sandbox, endpointOf } from '../src/sandbox/sandbox.ts';
import { sandboxConnection, trustSandboxKey } from '../src/sandbox/client.ts';

const sandbox = await new Sandbox().start();
after(() => sandbox.stop());

test('100 handshakes with unmodified gramjs, each followed by an encrypted call: 0 failures', async () => {
  const ep = endpointOf(sandbox);
  trustSandboxKey(ep);
  const failures: string[] = [];
  const runOne = async () => {
    const session = new StringSession('');
    session.setDC(1, ep.host, ep.ports[1]!);
    const c = new TelegramClient(session, 1, 'h', { connection: sandboxConnection(ep), connectionRetries: 1, autoReconnect: false, baseLogger: new Logger(LogLevel.NONE) });
    try {
      await c.connect();
      const cfg = (await c.invoke(new Api.help.GetConfig())) as Api.Config;
      assert.equal(cfg.thisDc, 1);
    } catch (err) {
      failures.push(String(err));
    } finally {
      await c.disconnect().catch(() => {});
    }
  };
  const before = sandbox.counters.handshakes;
  const n = Number(process.env.HS_N ?? 100);
  for (let i = 0; i < n; i += 10) { await Promise.all(Array.from({ length: 10 }, runOne)); }
  assert.deepEqual(failures, []);
  assert.equal(sandbox.counters.handshakes - before, n);
});
