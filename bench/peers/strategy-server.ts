// A minimal download server that fetches a log-channel file over gramjs with one of the peers' strategies, so the
// bench compares fetch strategies on the same sandbox DC, file and client as StreamBot. All its sessions run in
// this one thread. It uses StreamBot's faster IGE and CRC32 (installFastCrypto) so that only the strategy differs.
//   strategy 'sequential': one 1 MiB upload.getFile at a time over the first session, nothing read ahead (the
//     reference bot's way);
//   strategy 'window': `window` 1 MiB requests in flight per stream, round-robin over every session (the Go
//     peer's default is 4; with StreamBot's READ_AHEAD_BLOCKS it is StreamBot's fetch pattern in one thread).
// One JSON argument; prints {"port": N} once its sessions are logged in; serves GET /dl/<messageId> (whole files).
import { createServer, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { Api, TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { sandboxConnection, trustSandboxKey, type SandboxEndpoint } from '../../src/sandbox/client.ts';
import { installFastCrypto } from '../../actors/session/fast-crypto.ts';

export interface StrategySpec {
  endpoint: SandboxEndpoint;
  tokens: string[];
  channel: { id: string; accessHash: string };
  strategy: 'sequential' | 'window';
  window?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as StrategySpec;
const BLOCK = 1 << 20;
installFastCrypto();
trustSandboxKey(spec.endpoint);

const clients: TelegramClient[] = [];
for (const token of spec.strategy === 'sequential' ? spec.tokens.slice(0, 1) : spec.tokens) {
  const session = new StringSession('');
  session.setDC(1, spec.endpoint.host, spec.endpoint.ports[1]!);
  const c = new TelegramClient(session, 1, 'bench-peer', { connection: sandboxConnection(spec.endpoint), connectionRetries: 5, baseLogger: new Logger(LogLevel.ERROR) });
  await c.start({ botAuthToken: token });
  clients.push(c);
}
const channel = new Api.InputChannel({ channelId: BigInt(spec.channel.id) as any, accessHash: BigInt(spec.channel.accessHash) as any });

interface Doc { location: Api.InputDocumentFileLocation; dcId: number; size: number }
// Per session: Telegram ties a file reference to the account that fetched the message.
const docs = new Map<string, Promise<Doc>>();
const docOf = (messageId: number, client = clients[0]!): Promise<Doc> => {
  const key = `${clients.indexOf(client)}:${messageId}`;
  let d = docs.get(key);
  if (!d) {
    d = (async () => {
      const res = (await client.invoke(new Api.channels.GetMessages({ channel, id: [new Api.InputMessageID({ id: messageId })] }))) as Api.messages.ChannelMessages;
      const doc = ((res.messages[0] as Api.Message).media as Api.MessageMediaDocument).document as Api.Document;
      return { location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }), dcId: doc.dcId, size: Number(doc.size) };
    })();
    docs.set(key, d);
  }
  return d;
};

let turn = 0;
async function block(messageId: number, index: number, client = clients[turn++ % clients.length]!): Promise<Buffer> {
  const doc = await docOf(messageId, client);
  const r = (await client.invoke(new Api.upload.GetFile({ location: doc.location, offset: BigInt(index * BLOCK) as any, limit: BLOCK }), doc.dcId)) as Api.upload.File;
  return r.bytes;
}

async function write(res: ServerResponse, bytes: Buffer): Promise<void> {
  if (!res.write(bytes)) await once(res, 'drain');
}

async function serve(res: ServerResponse, messageId: number, doc: Doc): Promise<void> {
  const blocks = Math.ceil(doc.size / BLOCK);
  if (spec.strategy === 'sequential') {
    for (let i = 0; i < blocks && !res.destroyed; i++) await write(res, await block(messageId, i, clients[0]));
    return;
  }
  const window = spec.window ?? 4;
  const inFlight: Promise<Buffer>[] = [];
  let next = 0;
  for (let i = 0; i < blocks && !res.destroyed; i++) {
    while (next < blocks && inFlight.length < window) {
      const p = block(messageId, next++);
      p.catch(() => {});
      inFlight.push(p);
    }
    await write(res, await inFlight.shift()!);
  }
}

const server = createServer(async (req, res) => {
  const m = /^\/dl\/(\d+)$/.exec(req.url ?? '');
  if (!m) return res.writeHead(404).end();
  try {
    const messageId = Number(m[1]);
    const doc = await docOf(messageId);
    res.writeHead(200, { 'content-length': doc.size, 'content-type': 'application/octet-stream' });
    await serve(res, messageId, doc);
    res.end();
  } catch (err) {
    console.error(`GET ${req.url}: ${(err as Error).message}`);
    if (!res.headersSent) res.writeHead(502).end(String(err));
    else res.destroy(err as Error);
  }
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
const stop = () => process.exit(0);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
