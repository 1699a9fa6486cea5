import assert from 'node:assert/strict';
import { test } from 'node:test';
import uWS from 'uWebSockets.js';
import { isHttpError } from '../src/http/errors.ts';
import { isNativeUws, loadUws } from '../src/http/uws.ts';

test('the installed uWebSockets.js is the native binding', () => {
  assert.equal(isNativeUws(uWS), true);
  assert.equal(loadUws(), uWS);
});

test('the JavaScript fallback is refused with SB_ERR_HTTP_UWS_NOT_NATIVE', () => {
  const fallback = { ...uWS, App: function App() {} };
  assert.equal(isNativeUws(fallback), false);
  assert.throws(() => loadUws(fallback as unknown as typeof uWS), (err: unknown) => {
    assert.ok(isHttpError(err, 'SB_ERR_HTTP_UWS_NOT_NATIVE'));
    assert.match((err as Error).message, /native binary/);
    assert.match((err as Error).message, new RegExp(`ABI ${process.versions.modules}`));
    return true;
  });
  assert.equal(isNativeUws({ App: undefined }), false);
});
