// Limits on new links: the daily sliding window, monthly bandwidth quotas, file rules and force-subscribe.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { pino } from 'pino';
import { createBandwidthQuota, nextMonthStart } from '../src/bot/index.ts';
import { openStore, type Store } from '../src/store/index.ts';
import { ADMIN, VirtualClock, callback, fileMsg, fileOf, harness, rpc, textMsg, type Harness } from './support/fake-bot-telegram.ts';

let h: Harness | undefined;
let store: Store | undefined;
afterEach(async () => {
  await h?.close();
  await store?.close();
  h = undefined;
  store = undefined;
});

const USER = 5151;
const DAY = 24 * 60 * 60 * 1000;
const last = (x: Harness, chat = USER) => x.tg.transcript(String(chat)).at(-1)!;

describe('MAX_LINKS_PER_DAY', () => {
  test('the 6th link in 24 h is refused with when the next is possible; it works 24 h after the first', async () => {
    h = await harness({ maxLinksPerDay: 5 });
    const first = h.clock.now();
    for (let i = 0; i < 5; i += 1) {
      await h.send(fileMsg(USER));
      assert.match(last(h), /Your link is ready/, `link ${i + 1}`);
      h.clock.advance(60_000);
    }
    await h.send(fileMsg(USER));
    const refusal = last(h);
    assert.match(refusal, /Daily limit reached/);
    assert.match(refusal, /5 links in 24 hours/);
    assert.ok(refusal.includes('2024-05-11 12:00 UTC'), refusal);
    assert.equal(h.tg.of('copyToChannel').length, 5);

    h.clock.advance(first + DAY - h.clock.now());
    await h.send(fileMsg(USER));
    assert.match(last(h), /Your link is ready/);
  });

  test('admins are exempt', async () => {
    h = await harness({ maxLinksPerDay: 1 });
    for (let i = 0; i < 3; i += 1) await h.send(fileMsg(ADMIN));
    assert.equal(h.tg.of('copyToChannel').length, 3);
  });

  test('refused files (size, type) take no slot', async () => {
    h = await harness({ maxLinksPerDay: 1, maxFileSizeBytes: 100 });
    await h.send(fileMsg(USER, fileOf({ size: 101 })));
    await h.send(fileMsg(USER, fileOf({ size: 100 })));
    assert.match(last(h), /Your link is ready/);
  });
});

describe('bandwidth quotas', () => {
  async function quotaStore(clock: VirtualClock) {
    store = await openStore({ dataDir: ':memory:', now: clock.now, flushIntervalMs: 3_600_000, sweepIntervalMs: 0, logger: pino({ level: 'silent' }) });
    return store;
  }

  test('global: usage = limit − 1 is allowed, = limit is refused until the next UTC month', async () => {
    const clock = new VirtualClock();
    const s = await quotaStore(clock);
    const quota = createBandwidthQuota({ store: s, globalLimitBytes: 1000, userLimitBytes: 0, now: clock.now, cacheMs: 0 });
    s.recordBytes(null, 999);
    assert.deepEqual(await quota.check(1), { ok: true });
    s.recordBytes(null, 1);
    assert.deepEqual(await quota.check(1), { ok: false, scope: 'global', resetsAt: new Date(Date.UTC(2024, 5, 1)) });
    clock.advance(Date.UTC(2024, 5, 1) - clock.now());
    assert.deepEqual(await quota.check(1), { ok: true });
  });

  test('per user: at the boundary, and other users unaffected', async () => {
    const clock = new VirtualClock();
    const s = await quotaStore(clock);
    const quota = createBandwidthQuota({ store: s, globalLimitBytes: 0, userLimitBytes: 500, now: clock.now, cacheMs: 0 });
    s.recordBytes(7, 499);
    assert.deepEqual(await quota.check(7), { ok: true });
    s.recordBytes(7, 1);
    const verdict = await quota.check(7);
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.scope, 'user');
    assert.deepEqual(await quota.check(8), { ok: true });
    assert.deepEqual(await quota.check(), { ok: true }, 'no user: only the global limit applies');
  });

  test('a cached figure is reused within cacheMs', async () => {
    const clock = new VirtualClock();
    const s = await quotaStore(clock);
    const quota = createBandwidthQuota({ store: s, globalLimitBytes: 10, userLimitBytes: 0, now: clock.now, cacheMs: 5000 });
    assert.equal((await quota.check()).ok, true);
    s.recordBytes(null, 10);
    assert.equal((await quota.check()).ok, true, 'cached');
    clock.advance(5000);
    assert.equal((await quota.check()).ok, false);
  });

  test('nextMonthStart rolls over December', () => {
    assert.equal(nextMonthStart(Date.UTC(2024, 11, 31, 23, 59, 59, 999)).toISOString(), '2025-01-01T00:00:00.000Z');
  });

  test('the bot refuses a new link over quota and says when it resets', async () => {
    h = await harness({ bandwidthLimitBytes: 1000, userBandwidthLimitBytes: 100 });
    h.store.recordBytes(USER, 100);
    await h.send(fileMsg(USER));
    assert.match(last(h), /You have used your bandwidth for this month.*2024-06-01 00:00 UTC/s);
    h.store.recordBytes(null, 900);
    await h.send(fileMsg(USER + 1));
    assert.match(last(h, USER + 1), /The bot has used its bandwidth/);
    assert.equal(h.tg.of('copyToChannel').length, 0);
  });
});

describe('file rules', () => {
  test('an empty file is refused clearly', async () => {
    h = await harness();
    await h.send(fileMsg(USER, fileOf({ size: 0 })));
    assert.match(last(h), /empty \(0 bytes\)/);
  });

  test('MAX_FILE_SIZE_MB names the limit', async () => {
    h = await harness({ maxFileSizeBytes: 10 * 1024 * 1024 });
    await h.send(fileMsg(USER, fileOf({ size: 10 * 1024 * 1024 + 1 })));
    assert.match(last(h), /largest accepted is 10\.00 MiB \(MAX_FILE_SIZE_MB\)/);
    await h.send(fileMsg(USER, fileOf({ size: 10 * 1024 * 1024 })));
    assert.match(last(h), /Your link is ready/);
  });

  test('ALLOWED_MIME_TYPES with a wildcard, BLOCKED_MIME_TYPES winning over it', async () => {
    h = await harness({ allowedMimeTypes: ['video/*', 'application/pdf'], blockedMimeTypes: ['video/x-msvideo'] });
    await h.send(fileMsg(USER, fileOf({ mimeType: 'application/zip', kind: 'document', fileName: 'a.zip' })));
    assert.match(last(h), /application\/zip are not accepted here\. Accepted types: video\/\*, application\/pdf/);
    await h.send(fileMsg(USER, fileOf({ mimeType: 'video/x-msvideo', fileName: 'a.avi' })));
    assert.match(last(h), /blocked: video\/x-msvideo/);
    await h.send(fileMsg(USER, fileOf({ mimeType: 'Video/WebM', fileName: 'a.webm' })));
    assert.match(last(h), /Your link is ready/);
    await h.send(fileMsg(USER, fileOf({ mimeType: 'application/pdf', kind: 'document', fileName: 'a.pdf' })));
    assert.match(last(h), /Your link is ready/);
  });
});

describe('FORCE_SUB_CHANNEL', () => {
  const CHANNEL = '-1009998887776';

  test('a non-member gets Join and Try again, nothing else works; Try again re-checks and answers', async () => {
    h = await harness({ forceSubChannel: CHANNEL });
    await h.send(fileMsg(USER));
    assert.equal(h.tg.of('copyToChannel').length, 0);
    const prompt = h.tg.sent(String(USER)).at(-1)!;
    assert.match(prompt.msg.text, /Join required/);
    assert.deepEqual(prompt.msg.buttons, [[{ text: '📢 Join the channel', url: 'https://t.me/+joinStreamBotNews' }], [{ text: '🔄 Try again', data: 'fs:retry' }]]);
    await h.send(textMsg(USER, '/myfiles'));
    assert.match(last(h), /Join required/);

    await h.send(callback(USER, 'fs:retry', prompt.messageId));
    assert.deepEqual(h.tg.of('answerCallback').at(-1)!.alert, true);

    h.tg.members.set(String(USER), 'member');
    await h.send(callback(USER, 'fs:retry', prompt.messageId));
    assert.match(h.tg.of('answerCallback').at(-1)!.text!, /Thanks for joining/);
    assert.match(h.tg.edits(String(USER)).at(-1)!.text, /Thanks for joining/);
    await h.send(fileMsg(USER));
    assert.match(last(h), /Your link is ready/);
  });

  test('members are cached for a minute, non-members are asked every time', async () => {
    h = await harness({ forceSubChannel: CHANNEL });
    h.tg.members.set(String(USER), 'member');
    await h.send(textMsg(USER, 'a'), textMsg(USER, 'b'));
    assert.equal(h.tg.of('channelMembership').length, 1);
    h.clock.advance(61_000);
    await h.send(textMsg(USER, 'c'));
    assert.equal(h.tg.of('channelMembership').length, 2);
    await h.send(textMsg(USER + 1, 'a'), textMsg(USER + 1, 'b'));
    assert.equal(h.tg.of('channelMembership').length, 4);
  });

  test('a member who left is caught once the cache runs out', async () => {
    h = await harness({ forceSubChannel: CHANNEL });
    h.tg.members.set(String(USER), 'member');
    await h.send(textMsg(USER, 'a'));
    h.tg.members.set(String(USER), 'none');
    h.clock.advance(61_000);
    await h.send(fileMsg(USER));
    assert.match(last(h), /Join required/);
  });

  test('admins are exempt; /start still greets a non-member and shows the prompt', async () => {
    h = await harness({ forceSubChannel: CHANNEL });
    await h.send(fileMsg(ADMIN));
    assert.match(last(h, ADMIN), /Your link is ready/);
    await h.send(textMsg(USER, '/start'));
    const texts = h.tg.transcript(String(USER));
    assert.match(texts[0]!, /Hello User5151/);
    assert.match(texts[1]!, /Join required/);
  });

  test('the invite link is resolved at start; a failed membership check lets the user through', async () => {
    h = await harness({ forceSubChannel: CHANNEL });
    assert.equal(h.tg.of('channelInviteLink').length, 1);
    h.tg.failTimes('channelMembership', 1, () => rpc('CHAT_ADMIN_REQUIRED'));
    await h.send(fileMsg(USER));
    assert.match(last(h), /Your link is ready/);
  });
});

