// The bot's environment variables: defaults as in the reference bot, every bad value named with its fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../src/config/index.ts';

const base = { BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr', API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' };
const GiB = 1024 ** 3;

function problems(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
    return err.message;
  }
  assert.fail(`${JSON.stringify(env)} was accepted`);
}

test('defaults follow the reference bot', () => {
  const { bot } = loadConfig(base);
  assert.deepEqual(bot, {
    admins: [],
    forceSubChannel: null,
    maxLinksPerDay: 5,
    bandwidthLimitBytes: 100 * GiB,
    userBandwidthLimitBytes: 0,
    maxFileSizeBytes: 0,
    allowedMimeTypes: [],
    blockedMimeTypes: [],
    videoFrontendUrl: null,
    playerPage: true,
  });
});

test('values are read as an operator writes them', () => {
  const { bot } = loadConfig({
    ...base,
    ADMINS: '111 222,333  111',
    FORCE_SUB_CHANNEL: '987654321',
    MAX_LINKS_PER_DAY: '0',
    BANDWIDTH_LIMIT_GB: '0.5',
    USER_BANDWIDTH_LIMIT_GB: '2',
    MAX_FILE_SIZE_MB: '2000',
    ALLOWED_MIME_TYPES: 'video/*, Audio/MPEG',
    BLOCKED_MIME_TYPES: 'application/x-msdownload',
    VIDEO_FRONTEND_URL: 'FALSE',
  });
  assert.deepEqual(bot.admins, [111, 222, 333]);
  assert.equal(bot.forceSubChannel, '-100987654321');
  assert.equal(bot.maxLinksPerDay, 0);
  assert.equal(bot.bandwidthLimitBytes, GiB / 2);
  assert.equal(bot.userBandwidthLimitBytes, 2 * GiB);
  assert.equal(bot.maxFileSizeBytes, 2000 * 1024 * 1024);
  assert.deepEqual(bot.allowedMimeTypes, ['video/*', 'audio/mpeg']);
  assert.deepEqual(bot.blockedMimeTypes, ['application/x-msdownload']);
  assert.equal(bot.videoFrontendUrl, null);
  assert.equal(bot.playerPage, false, 'VIDEO_FRONTEND_URL=false: no player link at all');
  assert.equal(loadConfig({ ...base, FORCE_SUB_CHANNEL: '0' }).bot.forceSubChannel, null);
  assert.equal(loadConfig({ ...base, VIDEO_FRONTEND_URL: 'https://player.example.org/watch' }).bot.videoFrontendUrl, 'https://player.example.org/watch');
});

test('bad values are each named with the fix, all at once', () => {
  const message = problems({
    ADMINS: '123 @alice',
    FORCE_SUB_CHANNEL: '@news',
    MAX_LINKS_PER_DAY: '-1',
    BANDWIDTH_LIMIT_GB: '1e3',
    USER_BANDWIDTH_LIMIT_GB: 'ten',
    MAX_FILE_SIZE_MB: '2 GB',
    ALLOWED_MIME_TYPES: 'video',
    BLOCKED_MIME_TYPES: 'text/html;charset=utf-8',
    VIDEO_FRONTEND_URL: 'javascript:alert(1)',
  });
  for (const [name, fix] of [
    ['ADMINS', /"@alice"/],
    ['FORCE_SUB_CHANNEL', /-1001234567890/],
    ['MAX_LINKS_PER_DAY', /0 to/],
    ['BANDWIDTH_LIMIT_GB', /number of GB/],
    ['USER_BANDWIDTH_LIMIT_GB', /number of GB/],
    ['MAX_FILE_SIZE_MB', /whole number/],
    ['ALLOWED_MIME_TYPES', /"video"/],
    ['BLOCKED_MIME_TYPES', /MIME types/],
    ['VIDEO_FRONTEND_URL', /http\(s\) URL/],
  ] as const) {
    const line = message.split('\n').find((l) => l.startsWith(name));
    assert.ok(line, `${name} not reported in:\n${message}`);
    assert.match(line, fix);
  }
});
