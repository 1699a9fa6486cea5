import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PersistentSession, parseSaved } from '../actors/session/persistent-session.ts';

test('a plain gramjs string session is accepted as the home DC session', () => {
  assert.deepEqual(parseSaved('1AbCd'), { main: '1AbCd', dcs: new Map() });
  assert.deepEqual(parseSaved(undefined), { main: '', dcs: new Map() });
});

test('the saved form keeps other-DC keys, and only once authorized', async () => {
  const { AuthKey } = await import('telegram/crypto/AuthKey.js');
  const s = new PersistentSession();
  s.setDC(1, '127.0.0.1', 20001);
  const home = new AuthKey();
  await home.setKey(Buffer.alloc(256, 1));
  s.setAuthKey(home);
  const dc2 = new AuthKey();
  await dc2.setKey(Buffer.alloc(256, 2));
  s.setAuthKey(dc2, 2);
  assert.equal(s.getAuthKey(2), dc2);
  assert.equal(s.getAuthKey(1), home);
  assert.deepEqual(JSON.parse(s.saveAll()).dcs, {}, 'not saved before a request succeeded there');
  assert.equal(s.markAuthorized(2), true);
  assert.equal(s.markAuthorized(2), false);
  const saved = s.saveAll();
  const again = new PersistentSession(saved);
  await again.load();
  assert.ok(again.getAuthKey(2)?.getKey()?.equals(Buffer.alloc(256, 2)));
  assert.ok(again.getAuthKey(1)?.getKey()?.equals(Buffer.alloc(256, 1)));
  again.forget(2);
  assert.equal(again.getAuthKey(2), undefined);
  assert.deepEqual(JSON.parse(again.saveAll()).dcs, {});
});

test('a corrupt saved session is refused, not half-used', () => {
  assert.throws(() => parseSaved('{"v":9}'), TypeError);
  assert.throws(() => parseSaved('{nope'), SyntaxError);
});
