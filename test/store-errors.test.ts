// The store's error registry: stable codes, each documented.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isStoreError, StoreError, StoreErrorCodes } from '../src/store/index.ts';

test('every registry key equals its code and starts with SB_ERR_STORE_', () => {
  for (const [key, code] of Object.entries(StoreErrorCodes)) {
    assert.equal(key, code);
    assert.match(code, /^SB_ERR_STORE_[A-Z_]+$/);
  }
});

test('docs/store.md lists every code', () => {
  const doc = readFileSync(new URL('../docs/store.md', import.meta.url), 'utf8');
  for (const code of Object.keys(StoreErrorCodes)) assert.ok(doc.includes(code), `${code} missing from docs/store.md`);
});

test('isStoreError matches by code, also for copies that crossed a thread', () => {
  const err = new StoreError('SB_ERR_STORE_CLOSED', 'the store is closed');
  assert.equal(err.name, 'StoreError');
  assert.ok(isStoreError(err, 'SB_ERR_STORE_CLOSED'));
  assert.ok(!isStoreError(err, 'SB_ERR_STORE_CONFIG'));
  const copy: unknown = structuredClone({ code: 'SB_ERR_STORE_CLOSED', message: 'the store is closed' });
  assert.ok(isStoreError(copy, 'SB_ERR_STORE_CLOSED'));
  assert.ok(!isStoreError(new Error('x')));
  assert.ok(!isStoreError({ code: 'SB_ERR_SOMETHING_ELSE' }));
});
