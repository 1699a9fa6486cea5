import { test } from 'node:test';
import assert from 'node:assert/strict';
test('toolchain runs TypeScript tests', () => { assert.equal(typeof structuredClone, 'function'); });
