// A sandbox DC with bots, a log channel and files, and StreamBot processes started on it: what most scenarios need.
import { startSandbox, startStreamBot, type SandboxProcess, type StreamBotProcess } from './processes.ts';

export interface BenchFile {
  name: string;
  size: number;
  messageId: number;
  documentId: string;
  /** The generated content's seed: the load generator recomputes the expected bytes from it. */
  seed: string;
}

export interface World {
  sandbox: SandboxProcess;
  bots: { id: string; token: string }[];
  channel: { id: string; accessHash: string };
  files: BenchFile[];
  /** StreamBot with the first `sessions` bots. */
  streambot(sessions: number, env?: Record<string, string>): Promise<StreamBotProcess>;
  addFile(name: string, size: number): Promise<BenchFile>;
  stop(): Promise<void>;
}

/** Files live on DC 2, not the bots' home DC 1: blocks come over exported authorizations, as for most real files. */
export const FILE_DC = 2;

export async function startWorld(o: { bots: number; files?: { name: string; size: number }[] }): Promise<World> {
  const sandbox = await startSandbox();
  const started: StreamBotProcess[] = [];
  try {
    const bots: { id: string; token: string }[] = [];
    for (let i = 0; i < o.bots; i++) bots.push(await sandbox.control.createBot({ username: `bench${i}_bot` }));
    const channel = await sandbox.control.createChannel({ title: 'bench', admins: bots.map((b) => b.id) });
    const addFile = async (name: string, size: number): Promise<BenchFile> => {
      const seed = `bench:${name}`;
      const f = await sandbox.control.postFile(channel.id, { fileName: name, size, dcId: FILE_DC, seed });
      return { name, size, messageId: f.messageId, documentId: f.documentId, seed };
    };
    const files: BenchFile[] = [];
    for (const f of o.files ?? []) files.push(await addFile(f.name, f.size));
    return {
      sandbox, bots, channel, files, addFile,
      streambot: async (sessions, env) => {
        if (sessions > bots.length) throw new Error(`the world has ${bots.length} bots, ${sessions} sessions asked`);
        const p = await startStreamBot({ sandbox, tokens: bots.slice(0, sessions).map((b) => b.token), channelId: channel.id, env });
        started.push(p);
        return p;
      },
      stop: async () => {
        await Promise.all(started.map((p) => p.stop()));
        await sandbox.stop();
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop()));
    await sandbox.stop();
    throw err;
  }
}
