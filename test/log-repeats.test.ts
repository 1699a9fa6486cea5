import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../src/log/index.ts';
import { logSink } from './support/log-sink.ts';

const codeError = (code: string) => Object.assign(new Error('connect ECONNREFUSED'), { code });

test('identical errors within a window: the first line, then one line with the count', () => {
  const out = logSink();
  const log = createLogger({ level: 'info', pretty: false, destination: out, repeatWindowMs: 60_000 });
  for (let i = 0; i < 25; i++) log.error({ err: codeError('ECONNREFUSED') }, 'could not reach the store');
  assert.equal(out.lines.length, 1);
  log.flushRepeats();
  const recs = out.records();
  assert.equal(recs.length, 2);
  assert.equal(recs[0]!.err.code, 'ECONNREFUSED');
  assert.deepEqual({ msg: recs[1]!.msg, repeated: recs[1]!.repeated, code: recs[1]!.code, level: recs[1]!.level },
    { msg: 'could not reach the store', repeated: 24, code: 'ECONNREFUSED', level: 50 });
});

test('different messages, codes, levels and loggers all pass', () => {
  const out = logSink();
  const log = createLogger({ level: 'info', pretty: false, destination: out, repeatWindowMs: 60_000 });
  log.error({ err: codeError('ECONNREFUSED') }, 'could not reach the store');
  log.error({ err: codeError('ETIMEDOUT') }, 'could not reach the store');
  log.error({ err: codeError('ECONNREFUSED') }, 'could not save usage');
  log.warn({ err: codeError('ECONNREFUSED') }, 'could not reach the store');
  log.child({ session: 1 }).error({ err: codeError('ECONNREFUSED') }, 'could not reach the store');
  log.error('plain text error');
  log.flushRepeats();
  assert.equal(out.lines.length, 6, 'nothing held back, no count lines');
});

test('info and debug lines are never held back', () => {
  const out = logSink();
  const log = createLogger({ level: 'debug', pretty: false, destination: out, repeatWindowMs: 60_000 });
  for (let i = 0; i < 5; i++) { log.info('tick'); log.debug('tock'); }
  assert.equal(out.lines.length, 10);
});

test('a window closes on its own: its count goes out and the next repeat is written again', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const out = logSink();
  const log = createLogger({ level: 'info', pretty: false, destination: out, repeatWindowMs: 10_000 });
  log.error({ err: codeError('E1') }, 'flaky');
  log.error({ err: codeError('E1') }, 'flaky');
  assert.equal(out.lines.length, 1);
  t.mock.timers.tick(10_000);
  const recs = out.records();
  assert.equal(recs.length, 2, 'first line and count line');
  assert.equal(recs[1]!.repeated, 1);
  log.error({ err: codeError('E1') }, 'flaky');
  assert.equal(out.lines.length, 3, 'a new window starts with a written line');
  assert.equal(out.records()[2]!.repeated, undefined);
});

test('a bad window is refused', () => {
  assert.throws(() => createLogger({ pretty: false, destination: logSink(), repeatWindowMs: 0 }), /repeat window must be a positive integer/);
});
