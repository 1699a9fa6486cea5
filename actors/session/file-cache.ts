// Metadata and this bot's download location of log-channel files, cached by message (file references are per bot).
import { createRequire } from 'node:module';
import { RpcError } from '../errors.ts';
import { fileMetaOf, locationOf, type CachedLocation } from './document.ts';
import type { SessionCalls } from './calls.ts';
import type { Peers } from './peers.ts';
import type { FileMeta } from './protocol.ts';

const require = createRequire(import.meta.url);
const { Api } = require('telegram') as typeof import('telegram');

export interface FileEntry {
  meta: FileMeta;
  location: CachedLocation;
}

/** Cache bound: metadata of this many recently used files. */
const MAX_CACHED_FILES = 2000;

export class FileCache {
  readonly #files = new Map<string, FileEntry>();

  constructor(private readonly calls: SessionCalls, private readonly peers: Peers) {}

  /** Fetches the message again (a fresh file reference) and caches it. */
  async load(chatId: string, messageId: number): Promise<FileEntry> {
    const channel = await this.peers.inputChannel(chatId);
    const res = (await this.calls.home(new Api.channels.GetMessages({ channel, id: [new Api.InputMessageID({ id: messageId })] }))) as InstanceType<typeof Api.messages.ChannelMessages>;
    const msg = res.messages[0];
    const media = msg && msg.className === 'Message' ? msg.media : undefined;
    const doc = media?.className === 'MessageMediaDocument' ? media.document : undefined;
    if (!doc || doc.className !== 'Document') throw new RpcError('FILE_NOT_FOUND', `message ${messageId} in ${chatId} holds no document`, { rpcCode: 404 });
    return this.remember(chatId, messageId, doc);
  }

  async entry(chatId: string, messageId: number): Promise<FileEntry> {
    return this.#files.get(`${chatId}:${messageId}`) ?? this.load(chatId, messageId);
  }

  remember(chatId: string, messageId: number, doc: InstanceType<typeof Api.Document>): FileEntry {
    const entry = { meta: { chatId, messageId, ...fileMetaOf(doc) }, location: locationOf(doc) };
    const key = `${chatId}:${messageId}`;
    this.#files.delete(key);
    this.#files.set(key, entry);
    if (this.#files.size > MAX_CACHED_FILES) this.#files.delete(this.#files.keys().next().value!);
    return entry;
  }
}
