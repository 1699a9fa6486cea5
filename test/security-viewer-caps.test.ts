// Concurrent viewers per link and per owner: one client address on one link is one viewer however many range
// requests it has open; a viewer stays counted briefly after its last request; refusals name the cap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ViewerCaps, type ViewerEntry } from '../src/security/index.ts';

function enter(caps: ViewerCaps, link: string, owner: number, ip: string): () => void {
  const e = caps.tryEnter(link, owner, ip);
  assert.ok(e.allowed, `${ip} on ${link} should be admitted`);
  return e.release;
}

const refusal = (e: ViewerEntry) => (e.allowed ? null : { scope: e.scope, limit: e.limit });

test('parallel range requests of one client for one link are one viewer', () => {
  const caps = new ViewerCaps({ perLink: 1, perUser: 0, now: () => 0 });
  const releases = [enter(caps, 'L1', 7, '198.51.100.1'), enter(caps, 'L1', 7, '198.51.100.1'), enter(caps, 'L1', 7, '198.51.100.1')];
  assert.equal(caps.viewers({ linkId: 'L1' }), 1);
  assert.deepEqual(refusal(caps.tryEnter('L1', 7, '198.51.100.2')), { scope: 'link', limit: 1 });
  for (const r of releases) r();
});

test('the per-link cap counts distinct addresses; a viewer lingers, then its place is free', () => {
  let now = 0;
  const caps = new ViewerCaps({ perLink: 2, perUser: 0, lingerMs: 30_000, now: () => now });
  const a = enter(caps, 'L1', 7, '198.51.100.1');
  enter(caps, 'L1', 7, '198.51.100.2');
  const refused = caps.tryEnter('L1', 7, '198.51.100.3');
  assert.equal(refused.allowed, false);
  assert.match((refused as { message: string }).message, /already has 2 viewers/);
  assert.ok(caps.tryEnter('L2', 7, '198.51.100.3').allowed, 'another link has its own count');

  a();
  a(); // release is idempotent: a second call must not free someone else's hold
  now += 10_000;
  assert.equal(caps.tryEnter('L1', 7, '198.51.100.3').allowed, false, 'a viewer between two requests keeps its place');
  const again = enter(caps, 'L1', 7, '198.51.100.1');
  assert.equal(caps.viewers({ linkId: 'L1' }), 2, 'the returning viewer is the same viewer');
  again();
  now += 30_000;
  assert.ok(caps.tryEnter('L1', 7, '198.51.100.3').allowed, 'after the linger time the place is free');
});

test('the per-owner cap counts viewers across all of one owner\'s links', () => {
  let now = 0;
  const caps = new ViewerCaps({ perLink: 0, perUser: 2, lingerMs: 1_000, now: () => now });
  const r1 = enter(caps, 'L1', 7, '198.51.100.1');
  enter(caps, 'L2', 7, '198.51.100.1');
  assert.equal(caps.viewers({ ownerId: 7 }), 2, 'one address on two links is two viewers');
  assert.deepEqual(refusal(caps.tryEnter('L3', 7, '198.51.100.2')), { scope: 'user', limit: 2 });
  assert.ok(caps.tryEnter('L9', 8, '198.51.100.2').allowed, 'another owner has its own count');
  assert.ok(caps.tryEnter('L1', 7, '198.51.100.1').allowed, 'an existing viewer is never refused');
  r1();
  now += 1_000;
  assert.equal(caps.viewers({ ownerId: 7 }), 2, 'L1 still has a request in flight from the entry above');
});

test('0 means no cap; released viewers are forgotten after the linger time', () => {
  let now = 0;
  const caps = new ViewerCaps({ perLink: 0, perUser: 0, lingerMs: 1_000, now: () => now });
  const releases: Array<() => void> = [];
  for (let i = 0; i < 50; i++) releases.push(enter(caps, 'L1', 7, `198.51.100.${i}`));
  assert.equal(caps.size, 50);
  for (const r of releases) r();
  now += 1_000;
  assert.equal(caps.viewers({ linkId: 'L1' }), 0);
  assert.equal(caps.size, 0, 'nothing kept for viewers who left');
});

test('bad caps are refused with the option named', () => {
  assert.throws(() => new ViewerCaps({ perLink: -1, perUser: 0 }), /perLink must be a non-negative integer/);
  assert.throws(() => new ViewerCaps({ perLink: 0, perUser: 1.5 }), /perUser must be a non-negative integer/);
});
