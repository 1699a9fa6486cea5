// The error registry factories: the classes they build keep name, code, message, cause and fields, and the
// is-functions match by shape, so errors still match after crossing a thread.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineErrorCatalog, defineErrors } from '../src/errors/registry.ts';

const plain = defineErrors('PlainError', ['SB_ERR_A', 'SB_ERR_B']);
const catalog = defineErrorCatalog('CatalogError', 'StreamBotError', { SB_ERR_X: 'x failed', SB_ERR_Y: 'y failed' });

test('defineErrors: Codes maps each code to itself; the class carries name, code, message and cause', () => {
  assert.deepEqual(plain.Codes, { SB_ERR_A: 'SB_ERR_A', SB_ERR_B: 'SB_ERR_B' });
  const cause = new Error('root');
  const err = new plain.ErrorClass('SB_ERR_A', 'the whole message', { cause });
  assert.ok(err instanceof plain.ErrorClass && err instanceof Error);
  assert.equal(plain.ErrorClass.name, 'PlainError');
  assert.deepEqual([err.name, err.code, err.message, err.cause], ['PlainError', 'SB_ERR_A', 'the whole message', cause]);
  assert.ok(Object.hasOwn(err, 'name'), 'name is an own property, as when assigned in a constructor');
});

test('defineErrors: isError matches by code, with or without a wanted code, and nothing else', () => {
  assert.ok(plain.isError(new plain.ErrorClass('SB_ERR_B', 'm')));
  assert.ok(plain.isError(structuredClone({ code: 'SB_ERR_B' }), 'SB_ERR_B'), 'a copy from another thread');
  assert.ok(!plain.isError({ code: 'SB_ERR_B' }, 'SB_ERR_A'));
  assert.ok(!plain.isError({ code: 'SB_ERR_X' }));
  for (const value of [null, undefined, 'SB_ERR_A', new Error('SB_ERR_A'), { code: 1 }]) assert.ok(!plain.isError(value));
});

test('defineErrorCatalog: message is the base, then the detail; fields are kept and cause becomes the error cause', () => {
  assert.equal(new catalog.ErrorClass('SB_ERR_X').message, 'x failed');
  const cause = new Error('root');
  const err = new catalog.ErrorClass('SB_ERR_Y', 'session 3', { session: 3, cause });
  assert.ok(err instanceof catalog.ErrorClass && err instanceof Error);
  assert.deepEqual([err.name, err.code, err.message, err.session, err.cause], ['StreamBotError', 'SB_ERR_Y', 'y failed: session 3', 3, cause]);
  assert.equal(catalog.ErrorClass.name, 'CatalogError');
  assert.deepEqual(Object.keys(err), ['code', 'session'], 'name and cause are not own enumerable fields');
  assert.ok(catalog.isError({ code: 'SB_ERR_Y' }, 'SB_ERR_Y'));
  assert.ok(!catalog.isError({ code: 'SB_ERR_A' }));
});

test('defineErrorCatalog: an unknown code is a TypeError', () => {
  assert.throws(() => new catalog.ErrorClass('SB_ERR_NOPE' as 'SB_ERR_X'), { name: 'TypeError', message: 'unknown error code SB_ERR_NOPE' });
});
