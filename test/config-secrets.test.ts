import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, redactedConfig, redactedDatabaseUrl, ConfigError } from '../src/config/index.ts';

const T1 = '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr';
const T2 = '223456:BBbbCCddEEffGGhhIIjjKKllMMnnOOppQQr';
const base = { BOT_TOKEN: T1, API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' };

// Passwords holding every character that breaks a naive "//user:pass@" pattern, percent-encoded as a valid
// connection string requires; `secrets` are the forms that must never be logged.
const URLS: { url: string; secrets: string[]; shows: string[] }[] = [
  { url: 'mongodb://opsuser:s%2Fcr%40t%3Apw@db:27017/?authSource=admin', secrets: ['s%2Fcr%40t%3Apw', 's/cr@t:pw', 'opsuser'], shows: ['db:27017', 'authSource=admin'] },
  { url: 'mongodb://app%40corp:p%40ssw0rd@db1:27017,db2:27018/files?replicaSet=rs0', secrets: ['app%40corp', 'app@corp', 'p%40ssw0rd', 'p@ssw0rd'], shows: ['db1:27017,db2:27018', 'replicaSet=rs0'] },
  // A password that really contains "%40": encoded as %2540.
  { url: 'mongodb+srv://svc:se%2540cret%2F%2F@cluster0.example.net/app', secrets: ['se%2540cret', 'se%40cret//', 'se@cret', 'svc:'], shows: ['cluster0.example.net'] },
  { url: 'mongodb://svc:k3y@db/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:Tok3nValue', secrets: ['k3y', 'Tok3nValue'], shows: ['authMechanism=MONGODB-AWS'] },
  { url: 'mongodb://onlyuser@db:27017', secrets: ['onlyuser'], shows: ['db:27017'] },
];

for (const { url, secrets, shows } of URLS) {
  test(`the logged configuration masks the credentials of ${shows[0]}`, () => {
    const c = loadConfig({ ...base, ADDITIONAL_BOT_TOKENS: T2, DATABASE_URL: url });
    const text = JSON.stringify(redactedConfig(c));
    for (const secret of [...secrets, T1.split(':')[1]!, T2.split(':')[1]!, base.API_HASH]) assert.ok(!text.includes(secret), `leaked ${secret} in ${text}`);
    for (const part of shows) assert.ok(text.includes(part), `${part} should stay visible for debugging: ${text}`);
    assert.ok(text.includes('***'));
  });
}

test('a connection string that cannot be parsed is masked whole', () => {
  assert.equal(redactedDatabaseUrl('mongodb://user:pa/ss@db'), '***');
  assert.equal(redactedDatabaseUrl('not a url pw'), '***');
  assert.equal(redactedDatabaseUrl('mongodb://db:27017'), 'mongodb://db:27017');
});

test('the logged configuration masks even a connection string loadConfig would refuse', () => {
  for (const [url, secret] of [
    ['mongodb://user:pa/ss@db', 'pa/ss'],
    ['mongodb://user:p@ss@db', 'ss@db'],
    ['mongodb://user:pa:ss@db', 'pa:ss'],
    ['mongodb://user:Secr3t%40@db', 'Secr3t'],
    ['mongodb://user:Secr3t%zz@db', 'Secr3t'],
  ]) {
    const text = JSON.stringify(redactedConfig({ ...loadConfig(base), databaseUrl: url! }));
    assert.ok(!text.includes(secret!), `leaked ${secret} in ${text}`);
  }
});

test('credentials in the sandbox URL are masked too', () => {
  const c = loadConfig({ BOT_TOKEN: T1, LOG_CHANNEL: base.LOG_CHANNEL, SANDBOX_URL: 'http://ops:Sandb0xPw@127.0.0.1:21000' });
  const text = JSON.stringify(redactedConfig(c));
  assert.ok(!text.includes('Sandb0xPw') && !text.includes('ops:'), text);
  assert.ok(text.includes('127.0.0.1:21000'));
});

test('an error about a malformed DATABASE_URL never quotes its password', () => {
  for (const [url, secret] of [
    ['mongodb://user:pa/ss@db:27017', 'pa/ss'],
    ['mongodb://user:p@ssword@db:27017', 'p@ssword'],
    ['mongodb://user:pass:word@db', 'pass:word'],
    ['mongodb:// user:Secr3tPw@', 'Secr3tPw'],
    ['mongodb://user:Secr3t%zzPw@db', 'Secr3t'],
    ['mongodb://user:Secr3tPw@db:99999', 'Secr3tPw'],
    ['mongodb://user:Secr3tPw@db/?noSuchOption=Secr3tPw', 'Secr3tPw'],
    ['mongodb://user:Secr3tPw@db/?tls=Secr3tPw', 'Secr3tPw'],
    ['mongodb+srv://user:Secr3tPw@a,b/x', 'Secr3tPw'],
    ['mongodb://db/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:Tok3nValue,BAD', 'Tok3nValue'],
    ['mongodb://db/?authMechanism=NOPE&authMechanismProperties=AWS_SESSION_TOKEN:Tok3nValue', 'Tok3nValue'],
  ]) {
    assert.throws(
      () => loadConfig({ ...base, DATABASE_URL: url! }),
      (err: any) => err instanceof ConfigError && err.message.includes('DATABASE_URL') && !err.message.includes(secret!) && !err.message.includes(url!),
      `error for ${url} is missing or quotes the password`,
    );
  }
});

test('errors about tokens and the API hash never quote them', () => {
  const badToken = '123456:short';
  const badHash = 'ffffffffffffffffffffffffffffff0g';
  assert.throws(
    () => loadConfig({ ...base, BOT_TOKEN: badToken, MULTI_TOKEN3: 'x:Secr3tTok', API_HASH: badHash }),
    (err: any) => ['BOT_TOKEN', 'MULTI_TOKEN3', 'API_HASH'].every((v) => err.message.includes(v)) && !err.message.includes('short') && !err.message.includes('Secr3tTok') && !err.message.includes(badHash),
  );
});
