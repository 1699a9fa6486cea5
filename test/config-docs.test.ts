// The variables StreamBot reads, the ones .env.example documents and the ones README.md's configuration table lists
// are the same set; pm2's own (ecosystem.config.cjs) are documented alongside and checked against that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_VARIABLES, PM2_VARIABLES } from '../src/config/index.ts';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

// MULTI_TOKEN1, MULTI_TOKEN2, … are one variable family, listed in the code as MULTI_TOKEN<n>.
const family = (name: string) => name.replace(/^MULTI_TOKEN\d+$/, 'MULTI_TOKEN<n>');

/** Names assigned in .env.example, commented-out assignments (`# NAME=`) included. */
function envExampleNames(): Set<string> {
  const names = [...read('.env.example').matchAll(/^(?:#\s?)?([A-Z][A-Z0-9_]*)=/gm)].map((m) => family(m[1]!));
  return new Set(names);
}

/** Names in the first column of the tables of README.md's "Running against Telegram" section. */
function readmeNames(): Set<string> {
  const text = read('README.md');
  const start = text.indexOf('\n## Running against Telegram\n');
  assert.ok(start >= 0, 'README.md has no "Running against Telegram" section');
  const end = text.indexOf('\n#', start + 1);
  const rows = text.slice(start, end < 0 ? undefined : end).split('\n').filter((line) => line.startsWith('| `'));
  return new Set(rows.flatMap((row) => [...row.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => family(m[1]!))));
}

function assertSameSet(actual: Set<string>, expected: Set<string>, where: string): void {
  const missing = [...expected].filter((name) => !actual.has(name));
  const extra = [...actual].filter((name) => !expected.has(name));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${where}: missing ${missing.join(', ') || 'none'}; not read by the code ${extra.join(', ') || 'none'}`);
}

const code = new Set([...CONFIG_VARIABLES, ...PM2_VARIABLES]);

test('the variable lists have no duplicates and pm2 names are not StreamBot names', () => {
  assert.equal(new Set(CONFIG_VARIABLES).size, CONFIG_VARIABLES.length);
  assert.deepEqual(PM2_VARIABLES.filter((name) => CONFIG_VARIABLES.includes(name)), []);
});

test('.env.example documents exactly the variables the code reads', () => {
  assertSameSet(envExampleNames(), code, '.env.example');
});

test("README.md's configuration tables list exactly the variables the code reads", () => {
  assertSameSet(readmeNames(), code, 'README.md');
});

test('.env.example leaves every secret empty', () => {
  const text = read('.env.example');
  for (const name of ['BOT_TOKEN', 'API_ID', 'API_HASH', 'API_TOKEN', 'DATABASE_URL', 'ADDITIONAL_BOT_TOKENS']) {
    assert.match(text, new RegExp(`^${name}=$`, 'm'), `${name} should be empty in .env.example`);
  }
});

test('the pm2-only names are the ones ecosystem.config.cjs reads beyond StreamBot\'s own', () => {
  const source = read('ecosystem.config.cjs');
  const readThere = new Set([...source.matchAll(/process\.env\.([A-Z][A-Z0-9_]*)|\(\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1] ?? m[2]!));
  const own = new Set([...readThere].filter((name) => !CONFIG_VARIABLES.includes(name)));
  assertSameSet(own, new Set(PM2_VARIABLES), 'ecosystem.config.cjs');
});
