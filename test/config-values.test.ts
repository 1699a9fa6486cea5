import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../src/config/index.ts';

const base = { BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr', API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' };

function refused(env: Record<string, string>, variable: string, mentions: RegExp = /./): void {
  assert.throws(
    () => loadConfig({ ...base, ...env }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
      assert.ok(err.message.includes(variable), `does not name ${variable}: ${err.message}`);
      assert.match(err.message, mentions);
      return true;
    },
    `${JSON.stringify(env)} was accepted`,
  );
}

const NUMERIC = ['PORT', 'API_ID', 'READ_AHEAD_BLOCKS', 'READ_AHEAD_MAX_MB', 'MAX_STREAMS', 'MAX_STREAMS_PER_IP', 'HTTP_IDLE_TIMEOUT_MS', 'SESSION_SLOTS', 'STALL_TIMEOUT_SECONDS', 'HEADERS_TIMEOUT_SECONDS', 'HEALTH_NO_SESSION_SECONDS', 'USAGE_FLUSH_MS'];

test('integers are decimal digits only, for every numeric variable', () => {
  // Each of these is a valid Number() in JavaScript and was once taken for a port.
  for (const name of NUMERIC) {
    for (const raw of ['0x5DFE', '1e3', ' 80', '80 ', '+80', '80.0', '-1', '8_0', '٨٠', 'Infinity', '   ']) refused({ [name]: raw }, name, /decimal digits only/);
  }
});

test('integers out of range are refused with the range', () => {
  refused({ PORT: '65536' }, 'PORT', /0 to 65535/);
  refused({ PORT: '99999999999999999999' }, 'PORT');
  refused({ SESSION_SLOTS: '0' }, 'SESSION_SLOTS', /1 to 64/);
  refused({ SESSION_SLOTS: '65' }, 'SESSION_SLOTS');
  refused({ STALL_TIMEOUT_SECONDS: '4' }, 'STALL_TIMEOUT_SECONDS', /5 to 3600/);
  refused({ HEADERS_TIMEOUT_SECONDS: '61' }, 'HEADERS_TIMEOUT_SECONDS', /1 to 60/);
  refused({ MAX_STREAMS_PER_IP: '100001' }, 'MAX_STREAMS_PER_IP');
  refused({ HEALTH_NO_SESSION_SECONDS: '0' }, 'HEALTH_NO_SESSION_SECONDS');
  refused({ USAGE_FLUSH_MS: '99' }, 'USAGE_FLUSH_MS', /100 to 60000/);
});

test('decimal integers and empty values are taken', () => {
  const c = loadConfig({ ...base, PORT: '080', READ_AHEAD_BLOCKS: '', MAX_STREAMS: '1' });
  assert.equal(c.port, 80);
  assert.equal(c.readAheadBlocks, 8);
  assert.equal(c.maxStreams, 1);
});

test('streaming limits: defaults, and seconds become milliseconds', () => {
  const d = loadConfig(base);
  assert.deepEqual(
    { sessionSlots: d.sessionSlots, stallTimeoutMs: d.stallTimeoutMs, headersTimeoutMs: d.headersTimeoutMs, maxStreamsPerIp: d.maxStreamsPerIp, healthNoSessionMs: d.healthNoSessionMs, usageFlushMs: d.usageFlushMs },
    { sessionSlots: 4, stallTimeoutMs: 90_000, headersTimeoutMs: 8_000, maxStreamsPerIp: 16, healthNoSessionMs: 60_000, usageFlushMs: 2000 },
  );
  const c = loadConfig({ ...base, SESSION_SLOTS: '64', STALL_TIMEOUT_SECONDS: '5', HEADERS_TIMEOUT_SECONDS: '60', MAX_STREAMS_PER_IP: '100000', HEALTH_NO_SESSION_SECONDS: '3600', USAGE_FLUSH_MS: '100' });
  assert.deepEqual(
    { sessionSlots: c.sessionSlots, stallTimeoutMs: c.stallTimeoutMs, headersTimeoutMs: c.headersTimeoutMs, maxStreamsPerIp: c.maxStreamsPerIp, healthNoSessionMs: c.healthNoSessionMs, usageFlushMs: c.usageFlushMs },
    { sessionSlots: 64, stallTimeoutMs: 5_000, headersTimeoutMs: 60_000, maxStreamsPerIp: 100000, healthNoSessionMs: 3_600_000, usageFlushMs: 100 },
  );
});

test('LOG_LEVEL is one of pino\'s levels', () => {
  refused({ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /fatal, error, warn, info, debug, trace, silent/);
  refused({ LOG_LEVEL: 'warning' }, 'LOG_LEVEL');
  assert.equal(loadConfig(base).logLevel, 'info');
  for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) assert.equal(loadConfig({ ...base, LOG_LEVEL: level }).logLevel, level);
  assert.equal(loadConfig({ ...base, LOG_LEVEL: 'DEBUG' }).logLevel, 'debug');
});

test('BIND_ADDRESS is an IP address or a host name', () => {
  for (const raw of ['256.1.1.1', '1.2.3', '[::1]', '0.0.0.0:8080', 'http://0.0.0.0', 'my host', '-bad.example', 'a..b']) refused({ BIND_ADDRESS: raw }, 'BIND_ADDRESS');
  for (const raw of ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost', 'files.example.com']) assert.equal(loadConfig({ ...base, BIND_ADDRESS: raw }).host, raw);
  assert.equal(loadConfig(base).host, '0.0.0.0');
});

test('the default link base reaches the bind address, IPv6 in brackets', () => {
  assert.equal(loadConfig({ ...base, BIND_ADDRESS: '::', PORT: '81' }).baseUrl, 'http://127.0.0.1:81');
  assert.equal(loadConfig({ ...base, BIND_ADDRESS: '::1', PORT: '81' }).baseUrl, 'http://[::1]:81');
  assert.equal(loadConfig({ ...base, BIND_ADDRESS: '10.1.2.3', PORT: '81' }).baseUrl, 'http://10.1.2.3:81');
});

test('BASE_URL and SANDBOX_URL are http(s) URLs; BASE_URL carries no credentials, query or fragment', () => {
  for (const raw of ['ftp://x.example', 'https://', 'https://u:p@files.example.com', 'https://files.example.com/?a=1', 'https://files.example.com/#x']) refused({ BASE_URL: raw }, 'BASE_URL');
  assert.equal(loadConfig({ ...base, BASE_URL: 'https://example.com/files/' }).baseUrl, 'https://example.com/files');
  for (const raw of ['localhost:21000', 'ws://127.0.0.1:1', 'http//127.0.0.1']) refused({ SANDBOX_URL: raw }, 'SANDBOX_URL');
});

test('DATABASE_URL must be a connection string the driver parses', () => {
  for (const raw of ['postgres://db/x', 'db:27017', 'mongodb://', 'mongodb://db:99999', 'mongodb://db:port', 'mongodb://d b', 'mongodb://db,', 'mongodb://db/?noSuchOption=1', 'mongodb://db/?tls=maybe', 'mongodb+srv://a,b/x', 'mongodb+srv://db:27017/x', 'mongodb://us%zzer:pw@db']) {
    refused({ DATABASE_URL: raw }, 'DATABASE_URL', /mongodb:\/\//);
  }
  const c = loadConfig({ ...base, DATABASE_URL: 'mongodb://user:p%40ss@a:27017,b:27018/?replicaSet=rs0&authSource=admin' });
  assert.equal(c.databaseUrl, 'mongodb://user:p%40ss@a:27017,b:27018/?replicaSet=rs0&authSource=admin');
  assert.equal(c.databaseName, 'streambot');
  assert.equal(loadConfig({ ...base, DATABASE_URL: 'mongodb+srv://u:p@cluster0.example.net/app' }).databaseUrl, 'mongodb+srv://u:p@cluster0.example.net/app');
  assert.equal(loadConfig({ ...base, DATABASE_URL: 'mongodb://[::1]:27017' }).databaseUrl, 'mongodb://[::1]:27017');
});

test('unencoded reserved characters in the database password are refused with the encoding to use', () => {
  refused({ DATABASE_URL: 'mongodb://user:p@ss@db:27017' }, 'DATABASE_URL', /%40/);
  refused({ DATABASE_URL: 'mongodb://user:pa/ss@db:27017' }, 'DATABASE_URL', /%2F/);
  refused({ DATABASE_URL: 'mongodb://user:pa:ss@db:27017' }, 'DATABASE_URL', /%3A/);
});

test('DATABASE_NAME follows MongoDB naming rules', () => {
  for (const raw of ['a.b', 'a/b', 'a b', 'a$b', 'x'.repeat(64)]) refused({ DATABASE_URL: 'mongodb://db', DATABASE_NAME: raw }, 'DATABASE_NAME');
  assert.equal(loadConfig({ ...base, DATABASE_URL: 'mongodb://db', DATABASE_NAME: 'files_2' }).databaseName, 'files_2');
});

test('ALLOW_MESSAGE_IDS is 1 or 0', () => {
  refused({ ALLOW_MESSAGE_IDS: 'true' }, 'ALLOW_MESSAGE_IDS');
  refused({ ALLOW_MESSAGE_IDS: 'yes' }, 'ALLOW_MESSAGE_IDS');
  assert.equal(loadConfig({ ...base, ALLOW_MESSAGE_IDS: '1' }).allowMessageIds, true);
  assert.equal(loadConfig({ ...base, ALLOW_MESSAGE_IDS: '0' }).allowMessageIds, false);
});

test('a malformed API_HASH is refused even with a sandbox; without one, API_ID and API_HASH stay optional', () => {
  refused({ SANDBOX_URL: 'http://127.0.0.1:21000', API_HASH: 'nothex' }, 'API_HASH');
  const c = loadConfig({ BOT_TOKEN: base.BOT_TOKEN, LOG_CHANNEL: base.LOG_CHANNEL, SANDBOX_URL: 'http://127.0.0.1:21000' });
  assert.equal(c.sandboxUrl, 'http://127.0.0.1:21000');
});

test('DATA_DIR: ":memory:" stays valid, a path is kept as given', () => {
  assert.equal(loadConfig({ ...base, DATA_DIR: ':memory:' }).dataDir, ':memory:');
  assert.equal(loadConfig({ ...base, DATA_DIR: '/var/lib/streambot' }).dataDir, '/var/lib/streambot');
  refused({ DATA_DIR: 'a\0b' }, 'DATA_DIR');
});

test('all new problems are listed together, one line each', () => {
  assert.throws(
    () => loadConfig({ ...base, LOG_LEVEL: 'verbose', PORT: '0x5DFE', BIND_ADDRESS: '[::1]', DATABASE_URL: 'http://db', SESSION_SLOTS: '1e3' }),
    (err: any) => {
      const lines = err.message.split('\n');
      for (const v of ['LOG_LEVEL', 'PORT', 'BIND_ADDRESS', 'DATABASE_URL', 'SESSION_SLOTS']) assert.equal(lines.filter((l: string) => l.startsWith(v)).length, 1, `${v} in ${err.message}`);
      return true;
    },
  );
});
