// Starts unmodified gramjs clients against a sandbox for tests.
import { TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { endpointOf, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxConnection, trustSandboxKey } from '../../src/sandbox/client.ts';

export async function connectBot(sandbox: Sandbox, token: string, opts: { floodSleepThreshold?: number } = {}): Promise<TelegramClient> {
  const ep = endpointOf(sandbox);
  trustSandboxKey(ep);
  const session = new StringSession('');
  session.setDC(1, ep.host, ep.ports[1]!);
  const client = new TelegramClient(session, 1, 'sandbox-hash', {
    connection: sandboxConnection(ep),
    connectionRetries: 2,
    floodSleepThreshold: opts.floodSleepThreshold ?? 0,
  });
  client.setLogLevel('error' as any);
  await client.start({ botAuthToken: token });
  return client;
}

/**
 * Disconnects a client and every sender it borrowed for other DCs. gramjs's destroy() misses the exported senders
 * (it iterates a Map with Object.values), which then reconnect forever once the server is gone.
 */
export async function closeClient(client: TelegramClient): Promise<void> {
  const exported = (client as any)._exportedSenderPromises as Map<number, Promise<any>> | undefined;
  const senders = exported ? await Promise.all([...exported.values()].map((p) => p.catch(() => undefined))) : [];
  await client.destroy();
  await Promise.all(senders.map((s) => s?.disconnect()));
}
