import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../src/log/index.ts';
import { RecentLogs } from '../src/bot/recent-logs.ts';
import { logSink } from './support/log-sink.ts';

const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
const SESSION = '1' + 'A'.repeat(200);

test('secret fields are censored by path, at the top and one level down', () => {
  const out = logSink();
  const log = createLogger({ level: 'info', pretty: false, destination: out });
  log.info({
    token: TOKEN,
    config: { botToken: TOKEN, apiHash: 'deadbeef', session: SESSION, password: 'hunter2', databaseUrl: 'mongodb://u:p@h/db' },
    req: { headers: { authorization: 'Bearer abc', host: 'example.org' } },
  }, 'starting');
  const [rec] = out.records();
  assert.equal(rec!.token, '[redacted]');
  assert.deepEqual(rec!.config, { botToken: '[redacted]', apiHash: '[redacted]', session: '[redacted]', password: '[redacted]', databaseUrl: '[redacted]' });
  assert.deepEqual(rec!.req.headers, { authorization: '[redacted]', host: 'example.org' });
  for (const secret of [TOKEN, 'deadbeef', SESSION, 'hunter2', 'Bearer abc']) assert.ok(!out.lines[0]!.includes(secret), secret);
});

test('a session index is kept; only a string session is a secret', () => {
  const out = logSink();
  const log = createLogger({ level: 'info', pretty: false, destination: out });
  log.child({ session: 2 }).warn({ err: { session: 1 } }, 'session down');
  const [rec] = out.records();
  assert.equal(rec!.session, 2);
  assert.equal(rec!.err.session, 1);
});

test('a token in an error message never reaches the output, nor does a connection string password', () => {
  const out = logSink();
  const recent = new RecentLogs();
  const log = createLogger({ level: 'info', pretty: false, destination: out, recent });
  const err = new Error(`getMe failed for ${TOKEN} at mongodb+srv://streambot:s3cret@cluster0.example.net/app "quoted"`);
  log.error({ err }, `could not start bot ${TOKEN}`);
  log.warn(`plain message with ${SESSION}`);
  const text = out.lines.join('');
  assert.ok(!text.includes(TOKEN), 'bot token');
  assert.ok(!text.includes('s3cret'), 'database password');
  assert.ok(!text.includes(SESSION), 'saved session');
  // Still valid JSON, and what is not secret is still there.
  const [first, second] = out.records();
  assert.match(first!.err.message, /getMe failed for \[redacted\] at mongodb\+srv:\/\/\[redacted\]@cluster0\.example\.net\/app "quoted"/);
  assert.equal(first!.msg, 'could not start bot [redacted]');
  assert.equal(second!.msg, 'plain message with [redacted]');
  assert.ok(recent.query().length === 2 && recent.query().every((e) => !e.text.includes(TOKEN)));
});

test('an unknown level is refused with the accepted names', () => {
  assert.throws(() => createLogger({ level: 'loud', pretty: false, destination: logSink() }), /log level must be one of .*info.* \(got "loud"\)/);
});
