// A small MongoDB server for tests: speaks OP_MSG (and the legacy OP_QUERY handshake the driver opens with) so the
// real `mongodb` driver talks to it unchanged. Query, update, projection and aggregation semantics come from mingo.
//
// What it does NOT do, on purpose: authentication, TLS, compression, transactions, replica sets, change streams,
// TTL deletion (the store filters expired documents itself), index-backed query plans, write concern. Any command
// outside the list in COMMANDS answers ok:0 with CommandNotFound, so a test using one fails loudly.
// Data lives in memory and survives stop()/start(), like a mongod restarting on its disk.

// Framing lives in mongo-wire-protocol.ts, command handlers in mongo-wire-commands.ts, document semantics in
// mongo-wire-documents.ts; this file is the server itself: listening, connections, command dispatch, cursors.

import net from 'node:net';
import { Long, type Document } from 'bson';
import { COMMANDS } from './mongo-wire-commands.ts';
import { clone, CommandError, type Collection } from './mongo-wire-documents.ts';
import { decodeRequest, encodeReply, MAX_WIRE_VERSION } from './mongo-wire-protocol.ts';

interface Cursor {
  ns: string;
  rest: Document[];
}

export interface LoggedCommand {
  name: string;
  collection: string | null;
}

export class MongoWireServer {
  #server: net.Server | null = null;
  readonly #sockets = new Set<net.Socket>();
  readonly #dbs = new Map<string, Map<string, Collection>>();
  readonly #cursors = new Map<number, Cursor>();
  #nextCursorId = 1;
  #nextRequestId = 1;
  #connections = 0;
  #port = 0;
  /** Every command received, in order, for tests that count round trips. */
  readonly log: LoggedCommand[] = [];

  get port(): number {
    return this.#port;
  }

  /** Connection string for this server. directConnection: it is a standalone, never a replica set. */
  url(): string {
    return `mongodb://127.0.0.1:${this.#port}/?directConnection=true`;
  }

  /** Listens on the same port as before (an ephemeral one the first time). */
  async start(): Promise<void> {
    if (this.#server) throw new Error('wire server already started');
    const server = net.createServer((socket) => this.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  /** Closes the listener and drops every connection, as a crashed or stopped mongod would. Data is kept. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    this.#cursors.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A copy of a collection's documents, for assertions. */
  documents(db: string, collection: string): Document[] {
    return (this.#dbs.get(db)?.get(collection)?.docs ?? []).map(clone);
  }

  /** Commands received for one collection, by name (e.g. how many `update`s hit bandwidth_usage). */
  count(name: string, collection?: string): number {
    return this.log.filter((c) => c.name === name && (collection === undefined || c.collection === collection)).length;
  }

  // Transport

  #accept(socket: net.Socket): void {
    this.#sockets.add(socket);
    const connectionId = ++this.#connections;
    let pending: Buffer = Buffer.alloc(0);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4) {
        const length = pending.readInt32LE(0);
        if (length < 16 || length > 48_000_000) {
          socket.destroy();
          return;
        }
        if (pending.length < length) break;
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        const reply = this.#handleMessage(message, connectionId);
        if (reply && !socket.destroyed) socket.write(reply);
      }
    });
  }

  #handleMessage(message: Buffer, connectionId: number): Buffer | null {
    const request = decodeRequest(message);
    if (!request) return null;
    const reply = this.#run(request.command, connectionId);
    return request.replyAs ? encodeReply(request.replyAs, this.#nextRequestId++, request.requestId, reply) : null;
  }

  // Commands

  #run(command: Document, connectionId: number): Document {
    const name = Object.keys(command)[0] ?? '';
    const target = command[name];
    // getMore names its collection in a separate field; every other collection command in its first one.
    const collection = typeof target === 'string' ? target : typeof command.collection === 'string' ? command.collection : null;
    this.log.push({ name, collection });
    const handler = COMMANDS[name as keyof typeof COMMANDS] ?? COMMANDS[name.toLowerCase() as keyof typeof COMMANDS];
    if (!handler) {
      return { ok: 0, code: 59, codeName: 'CommandNotFound', errmsg: `no such command: '${name}' (not implemented by the test wire server)` };
    }
    try {
      return { ...handler.call(this, command, String(command.$db ?? 'admin'), connectionId), ok: 1 };
    } catch (err) {
      if (err instanceof CommandError) return { ok: 0, code: err.code, codeName: err.codeName, errmsg: err.message };
      return { ok: 0, code: 1, codeName: 'InternalError', errmsg: `test wire server: ${(err as Error).message}` };
    }
  }

  collection(db: string, name: string): Collection {
    let colls = this.#dbs.get(db);
    if (!colls) this.#dbs.set(db, (colls = new Map()));
    let coll = colls.get(name);
    if (!coll) colls.set(name, (coll = { docs: [], indexes: [] }));
    return coll;
  }

  handshake(connectionId: number): Document {
    return {
      helloOk: true,
      isWritablePrimary: true,
      ismaster: true,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      // No topologyVersion: without it the driver polls with hello instead of the streaming protocol we don't speak.
    };
  }

  cursorReply(ns: string, docs: Document[], batchSize: number | undefined, first: boolean): Document {
    const size = batchSize && batchSize > 0 ? batchSize : 101;
    const batch = docs.slice(0, size);
    let id = 0;
    if (docs.length > size) {
      id = this.#nextCursorId++;
      this.#cursors.set(id, { ns, rest: docs.slice(size) });
    }
    return { cursor: { [first ? 'firstBatch' : 'nextBatch']: batch, id: Long.fromNumber(id), ns } };
  }

  takeCursor(id: number): Cursor {
    const cursor = this.#cursors.get(id);
    if (!cursor) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
    this.#cursors.delete(id);
    return cursor;
  }

  killCursors(ids: number[]): number[] {
    return ids.filter((id) => this.#cursors.delete(id));
  }
}
