// A small MongoDB server for tests: speaks OP_MSG (and the legacy OP_QUERY handshake the driver opens with) so the
// real `mongodb` driver talks to it unchanged. Query, update, projection and aggregation semantics come from mingo.
//
// What it does NOT do, on purpose: authentication, TLS, compression, transactions, replica sets, change streams,
// TTL deletion (the store filters expired documents itself), index-backed query plans, write concern. Any command
// outside the list in COMMANDS answers ok:0 with CommandNotFound, so a test using one fails loudly.
// Data lives in memory and survives stop()/start(), like a mongod restarting on its disk.

import net from 'node:net';
import { BSON, Long, ObjectId, type Document } from 'bson';
import { Aggregator, Query, update as applyUpdate } from 'mingo';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;
const MAX_WIRE_VERSION = 21; // MongoDB 7.0

interface IndexSpec {
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
  expireAfterSeconds?: number;
}

interface Collection {
  docs: Document[];
  indexes: IndexSpec[];
}

interface Cursor {
  ns: string;
  rest: Document[];
}

class CommandError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string) {
    super(message);
  }
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
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_QUERY) {
      // Legacy handshake: flags, cstring namespace, skip, return, then the command document.
      const nsEnd = message.indexOf(0, 20);
      const command = BSON.deserialize(message.subarray(nsEnd + 9));
      return this.#opReply(requestId, this.#run(command, connectionId));
    }
    if (opCode !== OP_MSG) return null;
    const flags = message.readUInt32LE(16);
    const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
    let body: Document | null = null;
    const sequences: Record<string, Document[]> = {};
    for (let at = 20; at < end;) {
      const kind = message[at]!;
      at += 1;
      const size = message.readInt32LE(at);
      if (kind === 0) {
        body = BSON.deserialize(message.subarray(at, at + size));
      } else {
        // Kind 1: a document sequence (size, cstring identifier, documents) standing for one array field of the body.
        const idEnd = message.indexOf(0, at + 4);
        const id = message.toString('utf8', at + 4, idEnd);
        const docs: Document[] = [];
        for (let d = idEnd + 1; d < at + size;) {
          const dsize = message.readInt32LE(d);
          docs.push(BSON.deserialize(message.subarray(d, d + dsize)));
          d += dsize;
        }
        sequences[id] = docs;
      }
      at += size;
    }
    const reply = this.#run({ ...body, ...sequences }, connectionId);
    return flags & MORE_TO_COME ? null : this.#opMsg(requestId, reply);
  }

  #opMsg(responseTo: number, doc: Document): Buffer {
    const bson = BSON.serialize(doc);
    const header = Buffer.alloc(21);
    header.writeInt32LE(21 + bson.length, 0);
    header.writeInt32LE(this.#nextRequestId++, 4);
    header.writeInt32LE(responseTo, 8);
    header.writeInt32LE(OP_MSG, 12);
    header.writeUInt32LE(0, 16);
    header[20] = 0;
    return Buffer.concat([header, bson]);
  }

  #opReply(responseTo: number, doc: Document): Buffer {
    const bson = BSON.serialize(doc);
    const header = Buffer.alloc(36);
    header.writeInt32LE(36 + bson.length, 0);
    header.writeInt32LE(this.#nextRequestId++, 4);
    header.writeInt32LE(responseTo, 8);
    header.writeInt32LE(OP_REPLY, 12);
    header.writeInt32LE(0, 16); // responseFlags
    header.writeBigInt64LE(0n, 20); // cursorID
    header.writeInt32LE(0, 28); // startingFrom
    header.writeInt32LE(1, 32); // numberReturned
    return Buffer.concat([header, bson]);
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

type Handler = (this: MongoWireServer, cmd: Document, db: string, connectionId: number) => Document;

const COMMANDS: Record<string, Handler> = {
  hello(_cmd, _db, connectionId) {
    return this.handshake(connectionId);
  },
  ismaster(_cmd, _db, connectionId) {
    return this.handshake(connectionId);
  },
  ping: () => ({}),
  buildinfo: () => ({ version: '7.0.0', versionArray: [7, 0, 0, 0], bits: 64, maxBsonObjectSize: 16 * 1024 * 1024 }),
  endSessions: () => ({}),
  killCursors(cmd) {
    return { cursorsKilled: this.killCursors((cmd.cursors as unknown[]).map(Number)), cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [] };
  },

  createIndexes(cmd, db) {
    const coll = this.collection(db, cmd.createIndexes);
    const before = coll.indexes.length + 1;
    for (const spec of cmd.indexes as IndexSpec[]) {
      const existing = coll.indexes.find((i) => i.name === spec.name);
      if (existing && JSON.stringify(existing) !== JSON.stringify(pickIndex(spec))) {
        throw new CommandError(86, 'IndexKeySpecsConflict', `an index named ${spec.name} already exists with different options`);
      }
      if (!existing) coll.indexes.push(pickIndex(spec));
    }
    return { numIndexesBefore: before, numIndexesAfter: coll.indexes.length + 1, createdCollectionAutomatically: false };
  },
  listIndexes(cmd, db) {
    const coll = this.collection(db, cmd.listIndexes);
    const all = [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...coll.indexes.map((i) => ({ v: 2, ...i }))];
    return this.cursorReply(`${db}.${cmd.listIndexes}`, all, cmd.cursor?.batchSize, true);
  },

  insert(cmd, db) {
    const coll = this.collection(db, cmd.insert);
    const writeErrors: Document[] = [];
    let n = 0;
    const docs = cmd.documents as Document[];
    for (let index = 0; index < docs.length; index++) {
      const copy = clone(docs[index]!);
      copy._id ??= new ObjectId();
      const dup = duplicateOf(coll, copy, null);
      if (!dup) {
        coll.docs.push(copy);
        n++;
        continue;
      }
      writeErrors.push({ index, ...dup });
      // An ordered insert stops at the first error, as mongod does.
      if (cmd.ordered !== false) break;
    }
    return writeErrors.length ? { n, writeErrors } : { n };
  },

  find(cmd, db) {
    const coll = this.collection(db, cmd.find);
    let cursor = new Query(cmd.filter ?? {}, {}).find(coll.docs, cmd.projection);
    if (cmd.sort) cursor = cursor.sort(cmd.sort);
    if (cmd.skip) cursor = cursor.skip(cmd.skip);
    if (cmd.limit) cursor = cursor.limit(Math.abs(cmd.limit));
    const docs = (cursor.all() as Document[]).map(clone);
    return this.cursorReply(`${db}.${cmd.find}`, docs, cmd.singleBatch ? docs.length || 1 : cmd.batchSize, true);
  },
  getMore(cmd, db) {
    const cursor = this.takeCursor(Number(cmd.getMore));
    return this.cursorReply(cursor.ns, cursor.rest, cmd.batchSize, false);
  },
  count(cmd, db) {
    const coll = this.collection(db, cmd.count);
    let docs = new Query(cmd.query ?? {}, {}).find(coll.docs).all();
    if (cmd.skip) docs = docs.slice(cmd.skip);
    if (cmd.limit) docs = docs.slice(0, Math.abs(cmd.limit));
    return { n: docs.length };
  },
  aggregate(cmd, db) {
    const coll = this.collection(db, cmd.aggregate);
    for (const stage of cmd.pipeline as Document[]) {
      const op = Object.keys(stage)[0];
      if (op === '$out' || op === '$merge') throw new CommandError(115, 'CommandNotSupported', `${op} is not supported by the test wire server`);
    }
    const docs = new Aggregator(cmd.pipeline, {}).run(coll.docs.map(clone)).map(clone);
    return this.cursorReply(`${db}.${cmd.aggregate}`, docs, cmd.cursor?.batchSize, true);
  },

  update(cmd, db) {
    const coll = this.collection(db, cmd.update);
    let n = 0;
    let nModified = 0;
    const upserted: Document[] = [];
    const writeErrors: Document[] = [];
    (cmd.updates as Document[]).forEach((stmt, index) => {
      try {
        const r = updateDocs(coll, stmt.q ?? {}, stmt.u, { multi: !!stmt.multi, upsert: !!stmt.upsert, sort: stmt.sort });
        n += r.matched + (r.upsertedId !== undefined ? 1 : 0);
        nModified += r.modified;
        if (r.upsertedId !== undefined) upserted.push({ index, _id: r.upsertedId });
      } catch (err) {
        if (!(err instanceof CommandError)) throw err;
        writeErrors.push({ index, code: err.code, codeName: err.codeName, errmsg: err.message });
      }
    });
    return { n, nModified, ...(upserted.length ? { upserted } : {}), ...(writeErrors.length ? { writeErrors } : {}) };
  },
  delete(cmd, db) {
    const coll = this.collection(db, cmd.delete);
    let n = 0;
    for (const stmt of cmd.deletes as Document[]) {
      const query = new Query(stmt.q ?? {}, {});
      const matches = coll.docs.filter((d) => query.test(d));
      const doomed = new Set(stmt.limit === 1 ? matches.slice(0, 1) : matches);
      coll.docs = coll.docs.filter((d) => !doomed.has(d));
      n += doomed.size;
    }
    return { n };
  },
  findAndModify(cmd, db) {
    const coll = this.collection(db, cmd.findAndModify);
    if (cmd.remove) {
      const target = firstMatch(coll, cmd.query ?? {}, cmd.sort);
      if (target) coll.docs = coll.docs.filter((d) => d !== target);
      return { lastErrorObject: { n: target ? 1 : 0 }, value: target ? project(target, cmd.fields) : null };
    }
    const r = updateDocs(coll, cmd.query ?? {}, cmd.update, { multi: false, upsert: !!cmd.upsert, sort: cmd.sort });
    const value = cmd.new ? r.after : r.before;
    return {
      lastErrorObject: { n: r.matched || (r.upsertedId !== undefined ? 1 : 0), updatedExisting: r.matched > 0, ...(r.upsertedId !== undefined ? { upserted: r.upsertedId } : {}) },
      value: value ? project(value, cmd.fields) : null,
    };
  },
};

// Update semantics: which documents (mingo query), how they change (mingo updater). $setOnInsert is the one
// operator mingo's updater does not know, so it is applied here: as $set when inserting, dropped otherwise.

function updateDocs(coll: Collection, q: Document, u: Document, opts: { multi: boolean; upsert: boolean; sort?: Document }) {
  if (Array.isArray(u)) throw new CommandError(115, 'CommandNotSupported', 'pipeline updates are not supported by the test wire server');
  const isReplacement = !Object.keys(u).some((k) => k.startsWith('$'));
  const query = new Query(q, {});
  let targets = coll.docs.filter((d) => query.test(d));
  if (opts.sort && targets.length > 1) targets = new Query({}, {}).find(targets).sort(opts.sort).all() as Document[];
  if (!opts.multi) targets = targets.slice(0, 1);

  if (targets.length === 0) {
    if (!opts.upsert) return { matched: 0, modified: 0, before: null, after: null, upsertedId: undefined };
    const doc = isReplacement ? { ...equalityFields(q), ...clone(u) } : equalityFields(q);
    if (!isReplacement) {
      const { $setOnInsert, ...rest } = u;
      modify(doc, { ...rest, $set: { ...rest.$set, ...$setOnInsert } });
    }
    doc._id ??= equalityFields(q)._id ?? new ObjectId();
    const dup = duplicateOf(coll, doc, null);
    if (dup) throw new CommandError(11000, 'DuplicateKey', dup.errmsg);
    coll.docs.push(doc);
    return { matched: 0, modified: 0, before: null, after: clone(doc), upsertedId: doc._id };
  }

  let modified = 0;
  let before: Document | null = null;
  let after: Document | null = null;
  for (const target of targets) {
    before ??= clone(target);
    const next = isReplacement ? { _id: target._id, ...clone(u) } : clone(target);
    if (!isReplacement) {
      const { $setOnInsert: _ignored, ...rest } = u;
      modify(next, rest);
    }
    if (next._id !== target._id && String(next._id) !== String(target._id)) {
      throw new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
    }
    const dup = duplicateOf(coll, next, target);
    if (dup) throw new CommandError(11000, 'DuplicateKey', dup.errmsg);
    const changed = JSON.stringify(BSON.EJSON.serialize(next)) !== JSON.stringify(BSON.EJSON.serialize(target));
    if (changed) {
      for (const key of Object.keys(target)) delete target[key];
      Object.assign(target, next);
      modified++;
    }
    after ??= clone(target);
  }
  return { matched: targets.length, modified, before, after, upsertedId: undefined };
}

function modify(doc: Document, modifier: Document): void {
  const ops = Object.fromEntries(Object.entries(modifier).filter(([, v]) => v && Object.keys(v).length));
  if (Object.keys(ops).length) applyUpdate(doc, ops);
}

/** Fields a query pins to one value; an upsert starts from them. */
function equalityFields(q: Document): Document {
  const doc: Document = {};
  for (const [key, value] of Object.entries(q)) {
    if (key.startsWith('$')) continue;
    const isOperator = value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && Object.keys(value).some((k) => k.startsWith('$'));
    if (!isOperator) doc[key] = clone({ v: value }).v;
    else if ('$eq' in value) doc[key] = clone({ v: value.$eq }).v;
  }
  return doc;
}

function firstMatch(coll: Collection, q: Document, sort?: Document): Document | undefined {
  let cursor = new Query(q, {}).find(coll.docs);
  if (sort) cursor = cursor.sort(sort);
  return cursor.limit(1).all()[0] as Document | undefined;
}

function project(doc: Document, fields?: Document): Document {
  if (!fields || Object.keys(fields).length === 0) return clone(doc);
  return clone(new Query({}, {}).find([doc], fields).all()[0] as Document);
}

/** The unique-key violation `doc` would cause, ignoring `self` (the document being replaced). */
function duplicateOf(coll: Collection, doc: Document, self: Document | null): { code: number; errmsg: string; keyPattern: Document; keyValue: Document } | null {
  const uniques: IndexSpec[] = [{ name: '_id_', key: { _id: 1 }, unique: true }, ...coll.indexes.filter((i) => i.unique)];
  for (const index of uniques) {
    const fields = Object.keys(index.key);
    const keyValue = Object.fromEntries(fields.map((f) => [f, doc[f] ?? null]));
    const signature = keySignature(keyValue);
    const clash = coll.docs.some((other) => other !== self && keySignature(Object.fromEntries(fields.map((f) => [f, other[f] ?? null]))) === signature);
    if (clash) {
      return {
        code: 11000,
        errmsg: `E11000 duplicate key error collection index: ${index.name} dup key: ${BSON.EJSON.stringify(keyValue)}`,
        keyPattern: index.key,
        keyValue,
      };
    }
  }
  return null;
}

const keySignature = (value: Document): string => BSON.EJSON.stringify(value, { relaxed: true });

function pickIndex(spec: IndexSpec): IndexSpec {
  const out: IndexSpec = { name: spec.name, key: spec.key };
  if (spec.unique) out.unique = true;
  if (spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = spec.expireAfterSeconds;
  return out;
}

/** Deep copy through BSON, so stored documents never share objects with replies or requests. */
function clone(doc: Document): Document {
  return BSON.deserialize(BSON.serialize(doc));
}
