// The web side's environment variables: defaults, values as operators write them, bad values named, the token masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, redactedConfig, ConfigError } from '../src/config/index.ts';
import { ipAllowed } from '../src/security/index.ts';

const base = { BOT_TOKEN: '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr', API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' };
const TOKEN = 'k3J9xQ2mR7vT1pL8sW4yZ6bN0cF5hD3a';

test('defaults: links expire after a day, the API is closed, no CORS, a per-IP rate', () => {
  const { web } = loadConfig(base);
  assert.equal(web.linkExpirySeconds, 86400);
  assert.equal(web.apiToken, null);
  assert.equal(web.apiAllowedIps, null);
  assert.equal(web.trustedProxies, null);
  assert.deepEqual(web.corsAllowedOrigins, []);
  assert.equal(web.rateLimitPerMinute, 600);
  assert.equal(web.maxStreamsPerUser, 0);
  assert.equal(web.maxStreamsPerLink, 0);
});

test('values are read as written; the API token never reaches the logged form', () => {
  const config = loadConfig({ ...base, LINK_EXPIRY_SECONDS: '0', API_TOKEN: TOKEN, API_ALLOWED_IPS: '10.0.0.0/8, 2001:db8::/32', TRUSTED_PROXIES: '127.0.0.1', CORS_ALLOWED_ORIGINS: 'https://player.example.org,https://b.example', RATE_LIMIT_PER_MINUTE: '30', MAX_STREAMS_PER_USER: '4', MAX_STREAMS_PER_LINK: '2' });
  const { web } = config;
  assert.equal(web.linkExpirySeconds, 0);
  assert.equal(web.apiToken, TOKEN);
  assert.ok(ipAllowed('10.1.2.3', web.apiAllowedIps!));
  assert.ok(!ipAllowed('11.1.2.3', web.apiAllowedIps!));
  assert.deepEqual(web.corsAllowedOrigins, ['https://player.example.org', 'https://b.example']);
  assert.equal(web.rateLimitPerMinute, 30);
  assert.equal(web.maxStreamsPerUser, 4);
  assert.equal(web.maxStreamsPerLink, 2);
  assert.ok(!JSON.stringify(redactedConfig(config)).includes(TOKEN));
});

test('bad values are named with the fix, and a bad token is not quoted', () => {
  const bad = 'short token';
  let message = '';
  try {
    loadConfig({ ...base, LINK_EXPIRY_SECONDS: '1d', API_TOKEN: bad, API_ALLOWED_IPS: '10.0.0.0/33', TRUSTED_PROXIES: 'proxy.local', CORS_ALLOWED_ORIGINS: 'player.example.org/path', RATE_LIMIT_PER_MINUTE: '-5' });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    message = err.message;
  }
  for (const name of ['LINK_EXPIRY_SECONDS', 'API_TOKEN', 'API_ALLOWED_IPS', 'TRUSTED_PROXIES', 'CORS_ALLOWED_ORIGINS', 'RATE_LIMIT_PER_MINUTE']) {
    assert.ok(message.split('\n').some((l) => l.startsWith(name)), `${name} not reported in:\n${message}`);
  }
  assert.ok(!message.includes(bad), 'the token is a secret even when malformed');
});

test('STREAM_ONLY: true or false as the reference bot writes them', () => {
  assert.equal(loadConfig(base).streamOnly, false);
  assert.equal(loadConfig({ ...base, STREAM_ONLY: 'true' }).streamOnly, true);
  assert.equal(loadConfig({ ...base, STREAM_ONLY: 'FALSE' }).streamOnly, false);
  assert.throws(() => loadConfig({ ...base, STREAM_ONLY: 'maybe' }), /STREAM_ONLY must be true or false/);
});
