// How fast the sandbox DC serves upload.getFile, per core of its own process: it must never be what a StreamBot
// measurement is limited by. Starts `npm run sandbox` as a child process, downloads with unmodified gramjs clients
// (1 MiB parts, several in flight), and divides the bytes served by the sandbox's CPU time.
//   npx tsx bench/sandbox-getfile.ts [--mib 256] [--clients 2] [--inflight 4]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Api, TelegramClient } from 'telegram';
import { StringSession } from 'telegram/sessions/index.js';
import { Logger, LogLevel } from 'telegram/extensions/Logger.js';
import { controlClient } from '../src/sandbox/control-client.ts';
import { sandboxConnection, trustSandboxKey, type SandboxEndpoint } from '../src/sandbox/client.ts';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, clients: { type: 'string', default: '2' }, inflight: { type: 'string', default: '4' } } });
const MiB = 1 << 20;
const totalMiB = Number(values.mib);
const clientCount = Number(values.clients);
const inflight = Number(values.inflight);

const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/main.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
const { sandbox: endpoint, control: controlUrl } = JSON.parse(first) as { sandbox: SandboxEndpoint; control: string };
const control = controlClient(controlUrl);
trustSandboxKey(endpoint);

try {
  const channel = await control.createChannel({ title: 'bench' });
  const perClient = Math.ceil(totalMiB / clientCount);
  const clients = await Promise.all(Array.from({ length: clientCount }, async (_, i) => {
    const bot = await control.createBot({ username: `bench${i}_bot` });
    await control.setMember(channel.id, bot.id, 'admin');
    const file = await control.postFile(channel.id, { fileName: `f${i}.bin`, size: perClient * MiB });
    const session = new StringSession('');
    session.setDC(1, endpoint.host, endpoint.ports[1]!);
    const c = new TelegramClient(session, 1, 'bench', { connection: sandboxConnection(endpoint), connectionRetries: 1, floodSleepThreshold: 0, baseLogger: new Logger(LogLevel.ERROR) });
    await c.start({ botAuthToken: bot.token });
    const res = (await c.invoke(new Api.channels.GetMessages({ channel: new Api.InputChannel({ channelId: BigInt(channel.id) as any, accessHash: BigInt(channel.accessHash) as any }), id: [new Api.InputMessageID({ id: file.messageId })] }))) as Api.messages.ChannelMessages;
    const doc = ((res.messages[0] as Api.Message).media as Api.MessageMediaDocument).document as Api.Document;
    return { c, doc };
  }));

  const before = await control.counters();
  const t0 = performance.now();
  await Promise.all(clients.map(async ({ c, doc }) => {
    let next = 0;
    const worker = async () => {
      for (;;) {
        const part = next++;
        if (part >= perClient) return;
        const r = (await c.invoke(new Api.upload.GetFile({ location: new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: doc.fileReference, thumbSize: '' }), offset: BigInt(part * MiB) as any, limit: MiB }), 1)) as Api.upload.File;
        if (r.bytes.length !== MiB) throw new Error(`short part ${part}`);
      }
    };
    await Promise.all(Array.from({ length: inflight }, worker));
  }));
  const seconds = (performance.now() - t0) / 1000;
  const after = await control.counters();
  const bytes = after.bytesServed - before.bytesServed;
  const cpuSeconds = (after.cpuMs - before.cpuMs) / 1000;
  const mb = bytes / 1e6;
  console.log(JSON.stringify({
    bench: 'sandbox-getfile',
    bytes,
    wallSeconds: +seconds.toFixed(2),
    endToEndMBps: +(mb / seconds).toFixed(1),
    sandboxCpuSeconds: +cpuSeconds.toFixed(2),
    sandboxMBpsPerCore: +(mb / cpuSeconds).toFixed(1),
    clients: clientCount,
    inflightPerClient: inflight,
  }));
  for (const { c } of clients) await c.disconnect().catch(() => {});
} finally {
  child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 200).unref();
}
