import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HttpError, HttpErrorCodes, isHttpError } from '../src/http/errors.ts';

test('every key of the registry equals its code', () => {
  for (const [key, code] of Object.entries(HttpErrorCodes)) {
    assert.equal(key, code);
    assert.match(code, /^SB_ERR_HTTP_[A-Z_]+$/);
  }
});

test('docs/http.md lists every code', () => {
  const doc = readFileSync(new URL('../docs/http.md', import.meta.url), 'utf8');
  for (const code of Object.keys(HttpErrorCodes)) assert.ok(doc.includes(code), `${code} missing from docs/http.md`);
});

test('errors carry name and code and are recognised by shape', () => {
  const err = new HttpError('SB_ERR_HTTP_LISTEN', 'x');
  assert.equal(err.name, 'HttpError');
  assert.equal(err.code, 'SB_ERR_HTTP_LISTEN');
  assert.ok(isHttpError(err));
  assert.ok(isHttpError({ code: 'SB_ERR_HTTP_LISTEN' }, 'SB_ERR_HTTP_LISTEN'));
  assert.ok(!isHttpError({ code: 'SB_ERR_HTTP_LISTEN' }, 'SB_ERR_HTTP_SOURCE'));
  assert.ok(!isHttpError(new Error('x')));
});
