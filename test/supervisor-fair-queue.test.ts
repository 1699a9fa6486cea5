// Which waiting job goes next: a response's first block, then blocks consumers wait on (oldest first), then one
// read-ahead job per owner in turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FairQueue, Priority, type QueuedJob } from '../actors/supervisor/fair-queue.ts';

interface J extends QueuedJob { name: string }
let seq = 0;
const job = (owner: object, name: string, priority?: () => Priority): J => ({ seq: ++seq, owner, priority, name });
const drain = (q: FairQueue<J>, placeable: (j: J, p: Priority) => boolean = () => true) => {
  const out: string[] = [];
  for (let j = q.take(placeable); j; j = q.take(placeable)) out.push(j.name);
  return out;
};
const ahead = () => Priority.AHEAD;
const next = () => Priority.NEXT;
const first = () => Priority.FIRST;

test('a first block goes ahead of blocks consumers wait on, which go ahead of read-ahead; oldest first among equals', () => {
  const q = new FairQueue<J>();
  const a = {}, b = {}, c = {}, d = {};
  for (let i = 0; i < 3; i++) q.add(job(a, `a-ahead${i}`, ahead));
  q.add(job(b, 'b-next', next));
  q.add(job(c, 'c-next', next));
  q.add(job(d, 'd-seek', first));
  assert.deepEqual(drain(q), ['d-seek', 'b-next', 'c-next', 'a-ahead0', 'a-ahead1', 'a-ahead2']);
});

test('read-ahead is shared: one job per owner in turn, so a deep window cannot starve a shallow one', () => {
  const q = new FairQueue<J>();
  const deep = {}, shallow = {};
  for (let i = 0; i < 6; i++) q.add(job(deep, `d${i}`, ahead));
  for (let i = 0; i < 2; i++) q.add(job(shallow, `s${i}`, ahead));
  assert.deepEqual(drain(q), ['d0', 's0', 'd1', 's1', 'd2', 'd3', 'd4', 'd5']);
});

test('priority is read at every pick: a read-ahead job moves up when its consumer catches up', () => {
  const q = new FairQueue<J>();
  const a = {}, b = {};
  let caughtUp = false;
  q.add(job(a, 'a0', ahead));
  q.add(job(a, 'a1', ahead));
  q.add(job(b, 'b0', () => (caughtUp ? Priority.NEXT : Priority.AHEAD)));
  assert.equal(q.take(() => true)!.name, 'a0');
  q.add(job(a, 'a2', ahead));
  caughtUp = true;
  assert.equal(q.take(() => true)!.name, 'b0');
  assert.equal(q.take(() => true)!.name, 'a1');
});

test('jobs without a priority count as first blocks (resolving a file, a plain fetch)', () => {
  const q = new FairQueue<J>();
  q.add(job({}, 'ahead', next));
  q.add(job({}, 'plain'));
  assert.equal(q.take(() => true)!.name, 'plain');
});

test('a re-queued job keeps its place among its owner\'s jobs; unplaceable jobs are skipped, not lost', () => {
  const q = new FairQueue<J>();
  const a = {};
  const head = job(a, 'a0', ahead);
  q.add(job(a, 'a1', ahead));
  q.add(head); // re-queued after a failure: goes back before a1
  assert.deepEqual([...q].map((j) => j.name), ['a0', 'a1']);
  assert.equal(q.take((j) => j.name !== 'a0')!.name, 'a1', 'a0 cannot be placed now (backoff): a1 goes');
  assert.equal(q.size, 1);
  assert.equal(q.take(() => false), undefined);
  assert.ok(q.delete(head));
  assert.equal(q.size, 0);
});
