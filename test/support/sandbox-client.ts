// Starts unmodified gramjs clients against a sandbox for tests.
import { TelegramClient } from 'telegram';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { StringSession } from 'telegram/sessions/index.js';
import { endpointOf, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxConnection, trustSandboxKey } from '../../src/sandbox/client.ts';

/** gramjs prints a banner and reconnect noise by itself; tests want its errors only. */
export const quietLogger = () => new Logger(LogLevel.ERROR);

export async function connectBot(sandbox: Sandbox, token: string, opts: { floodSleepThreshold?: number } = {}): Promise<TelegramClient> {
  const ep = endpointOf(sandbox);
  trustSandboxKey(ep);
  const session = new StringSession('');
  session.setDC(1, ep.host, ep.ports[1]!);
  const client = new TelegramClient(session, 1, 'sandbox-hash', {
    connection: sandboxConnection(ep),
    connectionRetries: 2,
    floodSleepThreshold: opts.floodSleepThreshold ?? 0,
    baseLogger: quietLogger(),
  });
  await client.start({ botAuthToken: token });
  return client;
}

export { closeClient } from '../../actors/session/close-client.ts';
