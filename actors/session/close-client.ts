// Disconnects a gramjs client and every sender it borrowed for other DCs. gramjs 2.26's destroy() misses the
// exported senders (it iterates a Map with Object.values), which then keep reconnecting after shutdown.
import type { TelegramClient } from 'telegram';

export async function closeClient(client: TelegramClient): Promise<void> {
  const exported = (client as unknown as { _exportedSenderPromises?: Map<number, Promise<{ disconnect(): Promise<void> } | undefined>> })._exportedSenderPromises;
  const senders = exported ? await Promise.all([...exported.values()].map((p) => p.catch(() => undefined))) : [];
  await client.destroy().catch(() => {});
  await Promise.all(senders.map((s) => s?.disconnect().catch(() => {})));
}
