import { test } from 'node:test';
import assert from 'node:assert/strict';
import { choosePretty, createLogger } from '../src/log/index.ts';
import { RecentLogs } from '../src/bot/recent-logs.ts';
import { logSink } from './support/log-sink.ts';

test('pretty at a terminal, JSON otherwise; LOG_PRETTY and an explicit choice override', () => {
  assert.equal(choosePretty({ env: {}, isTTY: true }), true);
  assert.equal(choosePretty({ env: {}, isTTY: false }), false);
  assert.equal(choosePretty({ env: { LOG_PRETTY: '1' }, isTTY: false }), true);
  assert.equal(choosePretty({ env: { LOG_PRETTY: 'true' }, isTTY: false }), true);
  assert.equal(choosePretty({ env: { LOG_PRETTY: '0' }, isTTY: true }), false);
  assert.equal(choosePretty({ pretty: false, env: { LOG_PRETTY: '1' }, isTTY: true }), false);
  assert.equal(choosePretty({ pretty: true, env: { LOG_PRETTY: '0' }, isTTY: false }), true);
  assert.throws(() => choosePretty({ env: { LOG_PRETTY: 'yes please' } }), /LOG_PRETTY must be 1 or 0 \(got "yes please"\)/);
});

test('JSON lines when not pretty', () => {
  const out = logSink();
  createLogger({ level: 'info', pretty: false, destination: out }).info({ port: 8080 }, 'serving');
  assert.deepEqual({ msg: out.records()[0]!.msg, port: out.records()[0]!.port }, { msg: 'serving', port: 8080 });
});

test('pretty lines for a person, still scrubbed; /logs keeps JSON-derived lines', () => {
  const out = logSink();
  const recent = new RecentLogs();
  createLogger({ level: 'info', pretty: true, destination: out, recent }).warn({ port: 8080 }, 'token 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw seen');
  assert.equal(out.lines.length, 1);
  assert.throws(() => JSON.parse(out.lines[0]!));
  assert.match(out.lines[0]!, /WARN.*token \[redacted\] seen/);
  assert.match(out.lines[0]!, /port: 8080/);
  assert.match(recent.query()[0]!.text, /WARN token \[redacted\] seen port=8080/);
});
