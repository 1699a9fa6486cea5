// The outbox on its own: order per chat, pacing, FLOOD_WAIT, merging, and failures handed back to the caller.
// And RecentLogs, the /logs buffer.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { Outbox } from '../src/bot/outbox.ts';
import { RecentLogs } from '../src/bot/index.ts';
import { FakeBotTelegram, VirtualClock, flood, rpc } from './support/fake-bot-telegram.ts';

function setup() {
  const clock = new VirtualClock();
  const tg = new FakeBotTelegram(clock);
  const outbox = new Outbox({ telegram: tg, clock, logger: pino({ level: 'silent' }) });
  return { clock, tg, outbox };
}

describe('Outbox', () => {
  test('keeps order per chat and paces a chat after a burst of 3', async () => {
    const { tg, outbox } = setup();
    const done = Array.from({ length: 8 }, (_, i) => outbox.send({ chatId: '1', text: `m${i}`, buttons: [[{ text: 'b', data: 'x' }]] }));
    await Promise.all(done);
    const sent = tg.sent('1');
    assert.deepEqual(sent.map((s) => s.msg.text), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    for (let i = 3; i < sent.length; i += 1) assert.ok(sent[i]!.at - sent[i - 3]!.at >= 3000);
  });

  test('no more than 30 calls in any second overall', async () => {
    const { tg, outbox } = setup();
    await Promise.all(Array.from({ length: 100 }, (_, i) => outbox.send({ chatId: String(i), text: 'hi' })));
    const times = tg.sent().map((s) => s.at).sort((a, b) => a - b);
    assert.equal(times.length, 100);
    for (let i = 30; i < times.length; i += 1) assert.ok(times[i]! - times[i - 30]! >= 1000);
  });

  test('FLOOD_WAIT pauses every chat for the time asked, then retries the same call once', async () => {
    const { clock, tg, outbox } = setup();
    tg.failTimes('sendMessage', 1, () => flood(7));
    const start = clock.now();
    const a = outbox.send({ chatId: '1', text: 'a' });
    await clock.sleep(1); // the first attempt of "a" has met the FLOOD_WAIT
    const b = outbox.send({ chatId: '2', text: 'b' });
    const [ra, rb] = await Promise.all([a, b]);
    assert.notEqual(ra.messageId, rb.messageId);
    assert.deepEqual(tg.sent().map((s) => s.msg.text), ['a', 'b']);
    for (const s of tg.sent()) assert.ok(s.at - start >= 7000, `${s.msg.text} at +${s.at - start}`);
  });

  test('queued plain answers to one chat merge; each caller gets the message id; messages with buttons never merge', async () => {
    const { tg, outbox } = setup();
    const results = await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => outbox.send({ chatId: '1', text: `t${i}`, html: true }, { merge: true })),
      outbox.send({ chatId: '1', text: 'with button', buttons: [[{ text: 'x', data: 'y' }]] }, { merge: true }),
      outbox.send({ chatId: '1', text: 'after', html: true }, { merge: true }),
    ]);
    const sent = tg.sent('1');
    assert.ok(sent.length < 12);
    assert.deepEqual(sent.map((s) => s.msg.text).join('\n\n').split('\n\n'), [...Array.from({ length: 10 }, (_, i) => `t${i}`), 'with button', 'after']);
    assert.ok(sent.some((s) => s.msg.text === 'with button'));
    for (const r of results) assert.ok(sent.some((s) => s.messageId === r.messageId));
  });

  test('a merge never passes 4096 characters', async () => {
    const { tg, outbox } = setup();
    await Promise.all(Array.from({ length: 20 }, () => outbox.send({ chatId: '1', text: 'x'.repeat(1500) }, { merge: true })));
    const sent = tg.sent('1');
    assert.equal(sent.map((s) => s.msg.text).join('').replace(/\n/g, '').length, 30_000);
    for (const s of sent) assert.ok(s.msg.text.length <= 4096);
  });

  test('other errors go to the caller; MESSAGE_NOT_MODIFIED is no error; invalid URL buttons fall back to text only', async () => {
    const { tg, outbox } = setup();
    tg.failTimes('sendMessage', 1, () => rpc('USER_IS_BLOCKED'));
    await assert.rejects(outbox.send({ chatId: '1', text: 'x' }), { code: 'USER_IS_BLOCKED' });
    tg.failTimes('editMessage', 1, () => rpc('MESSAGE_NOT_MODIFIED'));
    await outbox.edit('1', 5, 'same');
    tg.failTimes('sendMessage', 1, () => rpc('BUTTON_URL_INVALID'));
    await outbox.send({ chatId: '1', text: 'links', buttons: [[{ text: 'dl', url: 'http://localhost/dl/x' }], [{ text: 'cb', data: 'd' }]] });
    assert.deepEqual(tg.sent('1').at(-1)!.msg.buttons, [[{ text: 'cb', data: 'd' }]]);
  });

  test('idle resolves once everything is out', async () => {
    const { tg, outbox } = setup();
    for (let i = 0; i < 6; i += 1) void outbox.send({ chatId: '1', text: `m${i}`, buttons: [[{ text: 'b', data: 'x' }]] });
    await outbox.idle();
    assert.equal(tg.sent().length, 6);
  });
});

describe('RecentLogs', () => {
  test('keeps the last N lines and filters by minimum level and text', () => {
    const logs = new RecentLogs({ capacity: 3 });
    const logger = pino({ level: 'debug' }, logs);
    logger.debug('one');
    logger.info('two');
    logger.warn({ userId: 5 }, 'three');
    logger.error('four');
    assert.deepEqual(logs.query().map((e) => e.text.replace(/^\S+ /, '')), ['INFO two', 'WARN three userId=5', 'ERROR four']);
    assert.deepEqual(logs.query({ level: 'warn' }).map((e) => e.levelName), ['warn', 'error']);
    assert.deepEqual(logs.query({ text: 'THREE' }).length, 1);
    assert.deepEqual(logs.query({ limit: 1 }).map((e) => e.levelName), ['error']);
    assert.throws(() => logs.query({ level: 'loud' }), /log level must be one of/);
  });

  test('tokens, sessions and connection strings never come back', () => {
    const logs = new RecentLogs();
    const logger = pino({}, logs);
    const token = '987654321:AAF-abcdefghijklmnopqrstuvwxyz0123456';
    logger.info({ botToken: 'short', apiHash: 'abc', session: 'x'.repeat(300), dbUrl: 'mongodb://u:p@h/db', session2: 3 }, `started with ${token}`);
    const [line] = logs.query();
    assert.ok(line);
    for (const secret of [token, 'short', 'abc', 'x'.repeat(30), 'u:p@h']) assert.ok(!line.text.includes(secret), `${secret} in ${line.text}`);
    assert.match(line.text, /session2=3/);
  });
});
