// Which waiting job goes next: urgent jobs first (oldest first), then one read-ahead job per owner in turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairQueue, type QueuedJob } from '../actors/supervisor/fair-queue.ts';

interface J extends QueuedJob { name: string }
let seq = 0;
const job = (owner: object, name: string, urgent?: () => boolean): J => ({ seq: ++seq, owner, urgent, name });
const drain = (q: FairQueue<J>, placeable: (j: J, urgent: boolean) => boolean = () => true) => {
  const out: string[] = [];
  for (let j = q.take(placeable); j; j = q.take(placeable)) out.push(j.name);
  return out;
};

test('urgent jobs go first, oldest first, whatever their owner', () => {
  const q = new FairQueue<J>();
  const a = {}, b = {}, c = {};
  for (let i = 0; i < 4; i++) q.add(job(a, `a${i}`, () => false));
  q.add(job(b, 'b-first', () => true));
  q.add(job(c, 'c-first', () => true));
  assert.deepEqual(drain(q).slice(0, 2), ['b-first', 'c-first']);
});

test('read-ahead is shared: one job per owner in turn, so a deep window cannot starve a shallow one', () => {
  const q = new FairQueue<J>();
  const deep = {}, shallow = {};
  const ahead = () => false;
  for (let i = 0; i < 6; i++) q.add(job(deep, `d${i}`, ahead));
  for (let i = 0; i < 2; i++) q.add(job(shallow, `s${i}`, ahead));
  assert.deepEqual(drain(q), ['d0', 's0', 'd1', 's1', 'd2', 'd3', 'd4', 'd5']);
});

test('urgency is read at every pick: a read-ahead job becomes urgent when its consumer catches up', () => {
  const q = new FairQueue<J>();
  const a = {}, b = {};
  let caughtUp = false;
  q.add(job(a, 'a0', () => false));
  q.add(job(a, 'a1', () => false));
  q.add(job(b, 'b0', () => caughtUp));
  assert.equal(q.take(() => true)!.name, 'a0');
  caughtUp = true;
  assert.equal(q.take(() => true)!.name, 'b0');
});

test('a re-queued job keeps its place among its owner\'s jobs; unplaceable jobs are skipped, not lost', () => {
  const q = new FairQueue<J>();
  const a = {};
  const first = job(a, 'a0', () => false);
  q.add(job(a, 'a1', () => false));
  q.add(first); // re-queued after a failure: goes back before a1
  assert.deepEqual([...q].map((j) => j.name), ['a0', 'a1']);
  assert.equal(q.take((j) => j.name !== 'a0')!.name, 'a1', 'a0 cannot be placed now (backoff): a1 goes');
  assert.equal(q.size, 1);
  assert.equal(q.take(() => false), undefined);
  assert.ok(q.delete(first));
  assert.equal(q.size, 0);
});
