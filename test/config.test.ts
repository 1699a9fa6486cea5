import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, redactedConfig, ConfigError } from '../src/config/index.ts';

const T1 = '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr';
const T2 = '223456:BBbbCCddEEffGGhhIIjjKKllMMnnOOppQQr';
const T3 = '323456:CCbbCCddEEffGGhhIIjjKKllMMnnOOppQQr';
const base = { BOT_TOKEN: T1, API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' };

test('tokens: primary first, then ADDITIONAL_BOT_TOKENS, then MULTI_TOKENn in numeric order, duplicates once', () => {
  const c = loadConfig({ ...base, ADDITIONAL_BOT_TOKENS: ` ${T2} ,`, MULTI_TOKEN10: T1, MULTI_TOKEN2: T3 });
  assert.deepEqual(c.botTokens, [T1, T2, T3]);
});

test('defaults are the embedded ones', () => {
  const c = loadConfig(base);
  assert.equal(c.port, 8080);
  assert.equal(c.dataDir, './data');
  assert.equal(c.databaseUrl, null);
  assert.equal(c.allowMessageIds, false);
  assert.equal(c.logChannel, '-1001234567890');
  assert.equal(loadConfig({ ...base, LOG_CHANNEL: '1234567890' }).logChannel, '-1001234567890');
});

for (const [env, mentions] of [
  [{ ...base, BOT_TOKEN: '' }, 'BOT_TOKEN'],
  [{ ...base, BOT_TOKEN: 'nope' }, 'BOT_TOKEN'],
  [{ ...base, MULTI_TOKEN1: 'x:y' }, 'MULTI_TOKEN1'],
  [{ ...base, API_HASH: 'short' }, 'API_HASH'],
  [{ ...base, LOG_CHANNEL: '@mychannel' }, 'LOG_CHANNEL'],
  [{ ...base, PORT: '70000' }, 'PORT'],
  [{ ...base, READ_AHEAD_BLOCKS: 'many' }, 'READ_AHEAD_BLOCKS'],
  [{ ...base, BASE_URL: 'files.example.com' }, 'BASE_URL'],
  [{ ...base, SANDBOX_URL: 'localhost:21000' }, 'SANDBOX_URL'],
] as const) {
  test(`bad ${mentions} is refused with a message naming it`, () => {
    assert.throws(() => loadConfig(env as Record<string, string>), (err: any) => err instanceof ConfigError && err.code === 'SB_ERR_CONFIG' && err.message.includes(mentions));
  });
}

test('the logged form carries no secret', () => {
  const c = loadConfig({ ...base, ADDITIONAL_BOT_TOKENS: T2, DATABASE_URL: 'mongodb://user:pw@db:27017' });
  const text = JSON.stringify(redactedConfig(c));
  for (const secret of [T1.split(':')[1]!, T2.split(':')[1]!, base.API_HASH, 'pw@']) assert.ok(!text.includes(secret), `leaked ${secret}`);
});

test('every problem is reported at once', () => {
  assert.throws(() => loadConfig({ PORT: 'x' }), (err: any) => ['BOT_TOKEN', 'API_ID', 'LOG_CHANNEL', 'PORT'].every((v) => err.message.includes(v)));
});
