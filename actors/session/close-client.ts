// Disconnects a gramjs client and every sender it borrowed for other DCs. gramjs 2.26's destroy() misses the
// exported senders (it iterates a Map with Object.values), which then keep reconnecting after shutdown.
import type { TelegramClient } from 'telegram';

type Exported = Map<number, Promise<{ disconnect(): Promise<void> } | undefined>>;

/** How long a sender still connecting may take to settle before the close goes on without it. */
const PENDING_SENDER_GRACE_MS = 100;

export async function closeClient(client: TelegramClient): Promise<void> {
  const exported = (client as unknown as { _exportedSenderPromises?: Exported })._exportedSenderPromises;
  // A sender to a DC that is down stays pending while it reconnects; it is closed by the link watch, not awaited here.
  const settled = (p: Promise<{ disconnect(): Promise<void> } | undefined>) =>
    Promise.race([p.catch(() => undefined), new Promise<undefined>((resolve) => { setTimeout(resolve, PENDING_SENDER_GRACE_MS); })]);
  const senders = exported ? await Promise.all([...exported.values()].map(settled)) : [];
  await client.destroy().catch(() => {});
  await Promise.all(senders.map((s) => s?.disconnect().catch(() => {})));
}
