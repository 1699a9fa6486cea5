// The test wire server itself: it must fail loudly on what it does not implement and survive a restart.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MongoClient, MongoServerError } from 'mongodb';
import { MongoWireServer } from './support/mongo-wire-server.ts';

const server = new MongoWireServer();
let client: MongoClient;
before(async () => {
  await server.start();
  client = new MongoClient(server.url(), { serverSelectionTimeoutMS: 500, heartbeatFrequencyMS: 500 });
  await client.connect();
});
after(async () => {
  await client.close();
  await server.stop();
});

test('an unimplemented command answers ok:0 CommandNotFound', async () => {
  await assert.rejects(client.db('x').command({ collMod: 'c' }), (err: unknown) => {
    assert.ok(err instanceof MongoServerError);
    assert.equal(err.code, 59);
    assert.match(err.message, /not implemented by the test wire server/);
    return true;
  });
});

test('update pipelines run on one document, upserts included; stages MongoDB refuses there are refused', async () => {
  const c = client.db('x').collection<{ _id: string; list?: number[]; big?: boolean }>('pipelines');
  const push = [
    { $set: { list: { $concatArrays: [{ $ifNull: ['$list', []] }, [7]] } } },
    { $set: { big: { $gt: [{ $size: '$list' }, 1] } } },
  ];
  assert.deepEqual(await c.findOneAndUpdate({ _id: 'p' }, push, { upsert: true, returnDocument: 'after' }), { _id: 'p', list: [7], big: false });
  assert.deepEqual(await c.findOneAndUpdate({ _id: 'p' }, push, { returnDocument: 'after' }), { _id: 'p', list: [7, 7], big: true });
  await assert.rejects(c.updateOne({ _id: 'p' }, [{ $match: { big: true } }]), /\$match is not allowed to be used within an update/);
  await assert.rejects(c.updateOne({ _id: 'p' }, [{ $set: { _id: 'q' } }]), /immutable field '_id'/);
  assert.deepEqual(await c.findOne({ _id: 'p' }), { _id: 'p', list: [7, 7], big: true });
});

test('unique indexes are enforced and data survives stop/start on the same port', async () => {
  const c = client.db('x').collection<{ _id: string; k: number; n?: number }>('u');
  await c.createIndexes([{ key: { k: 1 }, name: 'k_unique', unique: true }]);
  await c.insertOne({ _id: 'a', k: 1 });
  await assert.rejects(c.insertOne({ _id: 'b', k: 1 }), (err: unknown) => (err as MongoServerError).code === 11000);
  const port = server.port;
  await server.stop();
  await assert.rejects(c.findOne({ _id: 'a' }));
  await server.start();
  assert.equal(server.port, port);
  assert.deepEqual(await c.findOne({ _id: 'a' }), { _id: 'a', k: 1 });
  const r = await c.findOneAndUpdate({ _id: 'a' }, { $inc: { n: 2 } }, { returnDocument: 'after' });
  assert.equal(r?.n, 2);
});

test('cursors page through getMore', async () => {
  const c = client.db('x').collection<{ i: number }>('many');
  await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));
  const all = await c.find({}, { batchSize: 40 }).sort({ i: -1 }).toArray();
  assert.equal(all.length, 250);
  assert.equal(all[0]!.i, 249);
  assert.ok(server.count('getMore', 'many') >= 5);
});

test('indexes are dropped by name; an unknown name answers IndexNotFound, as mongod does', async () => {
  const c = client.db('x').collection('dropped');
  await c.createIndexes([{ key: { a: 1 }, name: 'a_1' }, { key: { b: 1 }, name: 'b_1' }]);
  await c.dropIndex('a_1');
  assert.deepEqual((await c.indexes()).map((i) => i.name), ['_id_', 'b_1']);
  await assert.rejects(c.dropIndex('a_1'), (err: unknown) => (err as MongoServerError).code === 27);
  // The same name may then be created with other keys.
  await c.createIndexes([{ key: { c: 1 }, name: 'a_1' }]);
  assert.deepEqual((await c.indexes()).find((i) => i.name === 'a_1')?.key, { c: 1 });
});
