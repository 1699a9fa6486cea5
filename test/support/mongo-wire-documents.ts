// Documents of the test MongoDB server: collections in memory, and the write semantics its commands share (update
// and upsert through mingo, unique-index checks, projection, copies that never share objects with a request).

import { BSON, ObjectId, type Document } from 'bson';
import { Aggregator, Query, update as applyUpdate } from 'mingo';

export interface IndexSpec {
  name: string;
  key: Record<string, 1 | -1>;
  unique?: boolean;
  expireAfterSeconds?: number;
}

export interface Collection {
  docs: Document[];
  indexes: IndexSpec[];
}

/** Answered as ok:0 with this code, as mongod would. */
export class CommandError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string) {
    super(message);
  }
}

// Update semantics: which documents (mingo query), how they change (mingo updater, or mingo's aggregation for an
// update pipeline). $setOnInsert is the one operator mingo's updater does not know, so it is applied here: as $set
// when inserting, dropped otherwise.

// The stages MongoDB accepts in an update pipeline.
// https://www.mongodb.com/docs/manual/tutorial/update-documents-with-aggregation-pipeline/
const PIPELINE_UPDATE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export function updateDocs(coll: Collection, q: Document, u: Document | Document[], opts: { multi: boolean; upsert: boolean; sort?: Document }) {
  if (Array.isArray(u)) checkUpdatePipeline(u);
  const pipeline = Array.isArray(u) ? u : null;
  const operators = !Array.isArray(u) && Object.keys(u).some((k) => k.startsWith('$')) ? u : null;
  const replacement = !Array.isArray(u) && !operators ? u : null;
  const query = new Query(q, {});
  let targets = coll.docs.filter((d) => query.test(d));
  if (opts.sort && targets.length > 1) targets = new Query({}, {}).find(targets).sort(opts.sort).all() as Document[];
  if (!opts.multi) targets = targets.slice(0, 1);

  if (targets.length === 0) {
    if (!opts.upsert) return { matched: 0, modified: 0, before: null, after: null, upsertedId: undefined };
    let doc = replacement ? { ...equalityFields(q), ...clone(replacement) } : equalityFields(q);
    if (pipeline) {
      doc = runPipeline(doc, pipeline);
    } else if (operators) {
      const { $setOnInsert, ...rest } = operators;
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
    let next = replacement ? { _id: target._id, ...clone(replacement) } : clone(target);
    if (pipeline) {
      next = runPipeline(next, pipeline);
    } else if (operators) {
      const { $setOnInsert: _ignored, ...rest } = operators;
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

function checkUpdatePipeline(stages: Document[]): void {
  for (const stage of stages) {
    const op = Object.keys(stage)[0] ?? '';
    if (!PIPELINE_UPDATE_STAGES.has(op)) {
      throw new CommandError(72, 'InvalidOptions', `${op || 'an empty stage'} is not allowed to be used within an update`);
    }
  }
}

/** One document through an update pipeline; variables such as $$NOW are not provided, so a test using one fails. */
function runPipeline(doc: Document, stages: Document[]): Document {
  const out = new Aggregator(stages, {}).run([clone(doc)])[0] as Document | undefined;
  if (!out) throw new CommandError(1, 'InternalError', 'the update pipeline produced no document');
  return clone(out);
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

export function firstMatch(coll: Collection, q: Document, sort?: Document): Document | undefined {
  let cursor = new Query(q, {}).find(coll.docs);
  if (sort) cursor = cursor.sort(sort);
  return cursor.limit(1).all()[0] as Document | undefined;
}

export function project(doc: Document, fields?: Document): Document {
  if (!fields || Object.keys(fields).length === 0) return clone(doc);
  return clone(new Query({}, {}).find([doc], fields).all()[0] as Document);
}

/** The unique-key violation `doc` would cause, ignoring `self` (the document being replaced). */
export function duplicateOf(coll: Collection, doc: Document, self: Document | null): { code: number; errmsg: string; keyPattern: Document; keyValue: Document } | null {
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

export function pickIndex(spec: IndexSpec): IndexSpec {
  const out: IndexSpec = { name: spec.name, key: spec.key };
  if (spec.unique) out.unique = true;
  if (spec.expireAfterSeconds !== undefined) out.expireAfterSeconds = spec.expireAfterSeconds;
  return out;
}

/** Deep copy through BSON, so stored documents never share objects with replies or requests. */
export function clone(doc: Document): Document {
  return BSON.deserialize(BSON.serialize(doc));
}
