// Command handlers of the test MongoDB server, one per command name. A command missing here answers ok:0 with
// CommandNotFound (see MongoWireServer), so a test that needs one fails loudly.

import { ObjectId, type Document } from 'bson';
import { Aggregator, Query } from 'mingo';
import {
  clone, CommandError, duplicateOf, firstMatch, pickIndex, project, updateDocs, type IndexSpec,
} from './mongo-wire-documents.ts';
import type { MongoWireServer } from './mongo-wire-server.ts';

export type Handler = (this: MongoWireServer, cmd: Document, db: string, connectionId: number) => Document;

export const COMMANDS: Record<string, Handler> = {
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
  dropIndexes(cmd, db) {
    const coll = this.collection(db, cmd.dropIndexes);
    const names = cmd.index === '*' ? coll.indexes.map((i) => i.name) : [cmd.index].flat();
    for (const name of names) {
      if (typeof name !== 'string') throw new CommandError(72, 'InvalidOptions', 'the test wire server drops indexes by name only');
      if (name === '_id_') throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index');
      if (!coll.indexes.some((i) => i.name === name)) throw new CommandError(27, 'IndexNotFound', `index not found with name [${name}]`);
      coll.indexes = coll.indexes.filter((i) => i.name !== name);
    }
    return { nIndexesWas: coll.indexes.length + names.length + 1 };
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
