// Metadata and this bot's download location of log-channel files, cached by message (file references are per bot).
import { createRequire } from 'node:module';
import { RpcError } from '../errors.ts';
import { mediaFileOf, type CachedLocation } from './document.ts';
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
    const entry = this.rememberMessage(chatId, messageId, msg);
    if (!entry) throw new RpcError('FILE_NOT_FOUND', `message ${messageId} in ${chatId} holds no file`, { rpcCode: 404 });
    return entry;
  }

  async entry(chatId: string, messageId: number): Promise<FileEntry> {
    return this.#files.get(`${chatId}:${messageId}`) ?? this.load(chatId, messageId);
  }

  /** Caches the file a message carries (a document or a photo); undefined when it carries none. */
  rememberMessage(chatId: string, messageId: number, msg: any): FileEntry | undefined {
    const file = msg && msg.className === 'Message' ? mediaFileOf(msg.media) : undefined;
    if (!file) return undefined;
    const entry = { meta: { chatId, messageId, ...file.meta }, location: file.location };
    const key = `${chatId}:${messageId}`;
    this.#files.delete(key);
    this.#files.set(key, entry);
    if (this.#files.size > MAX_CACHED_FILES) this.#files.delete(this.#files.keys().next().value!);
    return entry;
  }
}
