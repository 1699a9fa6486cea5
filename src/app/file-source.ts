// The FileSource the HTTP server reads: a link id resolves (through the store) to a log-channel message, whose
// document the session actors fetch block by block with read-ahead striped over sessions.
import { openReadAhead, type ReadAheadOptions } from '../streaming/index.ts';
import type { BlockStream, FileInfo, FileRefusal, FileSource, StatContext } from '../streaming/types.ts';
import type { ViewerCaps } from '../security/index.ts';
import type { Store } from '../store/index.ts';
import type { Supervisor } from '../../actors/supervisor/index.ts';
import type { FileMeta } from '../../actors/session/protocol.ts';
import type { AppConfig } from '../config/index.ts';

export interface LogChannelSourceOptions {
  supervisor: Supervisor;
  store: Store;
  logChannel: string;
  allowMessageIds?: boolean;
  readAhead?: ReadAheadOptions;
  /** Asked before a new response of a stored file starts (bandwidth quotas); a refusal answers instead of bytes. */
  admit?: (owner: number) => Promise<FileRefusal | null>;
  /** Concurrent viewers per link and per owner (MAX_STREAMS_PER_LINK, MAX_STREAMS_PER_USER). */
  viewers?: ViewerCaps;
}

const REVOKED: FileRefusal = { refused: { status: 410, title: 'Link revoked', message: 'This link was revoked by the person who shared it. Ask them for a new one.' } };
const EXPIRED: FileRefusal = { refused: { status: 410, title: 'Link expired', message: 'This link has expired. The person who shared it can renew it in the bot (/myfiles).' } };

const NOT_FOUND = new Set(['FILE_NOT_FOUND', 'MESSAGE_ID_INVALID']);

export class LogChannelSource implements FileSource {
  readonly #opts: LogChannelSourceOptions;
  readonly #messageOf = new WeakMap<FileInfo, number>();
  readonly #ownerOf = new WeakMap<FileInfo, number>();
  readonly #meta = new Map<number, FileMeta>();

  constructor(opts: LogChannelSourceOptions) {
    this.#opts = opts;
  }

  readonly #releases = new WeakMap<FileInfo, () => void>();

  async stat(id: string, context?: StatContext): Promise<FileInfo | FileRefusal | null> {
    const { store, supervisor, logChannel, allowMessageIds, admit, viewers } = this.#opts;
    let messageId: number | undefined;
    let fileName: string | undefined;
    let owner: number | undefined;
    let storedAt: Date | undefined;
    // Expired links are looked up too: they answer 410 (and can be renewed), unlike unknown ones (404).
    const record = await store.getFile(id, { includeExpired: true });
    if (record) {
      if (record.revoked) return REVOKED;
      if (record.expired) return EXPIRED;
      const refusal = admit ? await admit(record.userId) : null;
      if (refusal) return refusal;
      messageId = record.messageId;
      fileName = record.fileName;
      owner = record.userId;
      storedAt = record.uploadDate;
    } else if (allowMessageIds && /^[1-9]\d{0,9}$/.test(id)) {
      messageId = Number(id);
    }
    if (messageId === undefined) return null;
    let meta = this.#meta.get(messageId);
    if (!meta) {
      try {
        meta = await supervisor.resolveFile(logChannel, messageId);
      } catch (err) {
        if (NOT_FOUND.has((err as { code?: string }).code ?? '')) return null;
        throw err;
      }
      this.#meta.set(messageId, meta);
      if (this.#meta.size > 10000) this.#meta.delete(this.#meta.keys().next().value!);
    }
    // HTTP dates have whole seconds: a validator must compare equal to what was sent.
    const lastModified = storedAt ? new Date(Math.floor(storedAt.getTime() / 1000) * 1000) : undefined;
    const info: FileInfo = { id, size: meta.size, mimeType: meta.mimeType, fileName: fileName ?? meta.fileName, etag: `"${meta.uniqueId}"`, ...(lastModified ? { lastModified } : {}) };
    this.#messageOf.set(info, messageId);
    if (owner !== undefined) this.#ownerOf.set(info, owner);
    if (viewers && context && owner !== undefined) {
      // Last, once the file is known to exist: a place is held only by a response that will release it.
      const entry = viewers.tryEnter(id, owner, context.ip);
      if (!entry.allowed) return { refused: { status: 429, title: 'Too many viewers', message: entry.message, retryAfterS: 30 } };
      this.#releases.set(info, entry.release);
    }
    return info;
  }

  responseEnded(info: FileInfo): void {
    this.#releases.get(info)?.();
    this.#releases.delete(info);
  }

  /** The user who shared the file, for bandwidth accounting; undefined for files outside the store. */
  ownerOf(info: FileInfo): number | undefined {
    return this.#ownerOf.get(info);
  }

  open(info: FileInfo, start: number, endInclusive: number): BlockStream {
    const messageId = this.#messageOf.get(info);
    if (messageId === undefined) throw new Error('open() needs a FileInfo returned by stat()');
    const { supervisor, logChannel, readAhead } = this.#opts;
    return openReadAhead((req, signal, hints) => supervisor.fetchBlock(req, signal, hints), { chatId: logChannel, messageId, size: info.size }, start, endInclusive, readAhead);
  }
}

/**
 * One stream's read-ahead: a window of READ_AHEAD_BLOCKS, or twice the sessions when there are more (one stream
 * over k sessions capped at c reaches k·c only with about 2k blocks in flight), and READ_AHEAD_SECONDS of the
 * client's pace, its blocks ramping up from 128 KiB. Following the pace, a stream starts with one block (a player
 * probing a file, or a viewer slower than a block per second, needs no more) and opens up as soon as its client
 * shows it drains fast; without it, a slow start of two blocks.
 */
export function readAheadFor(config: AppConfig): ReadAheadOptions {
  const window = Math.min(64, Math.max(config.readAheadBlocks, 2 * config.botTokens.length));
  return { window, initialWindow: config.readAheadSeconds > 0 ? 1 : Math.min(2, window), aheadSeconds: config.readAheadSeconds, headBlockSize: FIRST_BLOCK_BYTES };
}

/**
 * A response's first block: half a second of a 1 Mbit/s video. Many players starting at once, each on its own offset,
 * wait for every one of their first blocks to be fetched: 1000 of them at 64 KiB are about a second of a DC's
 * bandwidth here, at 1 MiB they were over ten.
 */
const FIRST_BLOCK_BYTES = 64 * 1024;
