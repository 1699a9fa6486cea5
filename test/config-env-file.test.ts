// loadConfig() without an env: `.env` from the working directory (or ENV_FILE) through Node's loader, the
// environment winning over the file; a malformed or missing named file is a ConfigError naming it.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../src/config/index.ts';
import { envFileProblems } from '../src/config/env-file.ts';

const T1 = '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr';
const FILE = `BOT_TOKEN=${T1}\nAPI_ID=12345\nAPI_HASH=0123456789abcdef0123456789abcdef\nLOG_CHANNEL=-1001234567890\n`;

const savedEnv = { ...process.env };
const savedCwd = process.cwd();
const dirs: string[] = [];

/** A fresh working directory holding the given files; process.env keeps only PATH (plus `env`). */
function workIn(files: Record<string, string>, env: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'streambot-env-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  for (const key of Object.keys(process.env)) if (key !== 'PATH') delete process.env[key];
  Object.assign(process.env, env);
  process.chdir(dir);
  // The working directory as Node reports it (a temporary directory may sit behind a symbolic link).
  return realpathSync(dir);
}

function problems(): string[] {
  try {
    loadConfig();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `not a ConfigError: ${err}`);
    return err.message.split('\n');
  }
  assert.fail('the configuration was accepted');
}

afterEach(() => {
  process.chdir(savedCwd);
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test('.env in the working directory is read; the environment wins over it', () => {
  workIn({ '.env': `${FILE}PORT=7000\nLOG_LEVEL=debug\n` }, { PORT: '9000' });
  const config = loadConfig();
  assert.deepEqual(config.botTokens, [T1]);
  assert.equal(config.port, 9000);
  assert.equal(config.logLevel, 'debug');
  // Loaded into process.env, so readers outside loadConfig see the same values.
  assert.equal(process.env.LOG_LEVEL, 'debug');
});

test('no .env is fine: the environment alone', () => {
  workIn({}, { BOT_TOKEN: T1, API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' });
  assert.equal(loadConfig().apiId, 12345);
});

test('quoted, exported and multi-line values are accepted', () => {
  assert.deepEqual(envFileProblems('# comment\n\nexport A=1\nB="two words"\nC="first\nsecond"\nD=\'x\'\n'), []);
});

test('a malformed .env is refused by file and line, with the other problems, never quoting the line', () => {
  // Node's parser would take "123456:secret-token-pasted-alone\nPORT" for one name and drop PORT silently.
  const dir = workIn({ '.env': `${FILE}123456:secret-token-pasted-alone\nPORT=7000\nBAD="open\n` });
  const lines = problems();
  const path = join(dir, '.env');
  assert.ok(lines.some((l) => l.startsWith(`.env (${path}) line 5 is not a NAME=value line`)), lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`.env (${path}) line 7: the " opening the value of BAD is never closed`)), lines.join('\n'));
  assert.ok(!lines.join('\n').includes('secret-token'));
});

test('with an explicit env, .env is not read', () => {
  workIn({ '.env': 'PORT=bad\nthis is not an assignment\n' });
  const config = loadConfig({ BOT_TOKEN: T1, API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' });
  assert.equal(config.port, 8080);
});

test('ENV_FILE names another file, relative to the working directory', () => {
  workIn({ '.env': 'PORT=bad\n', 'prod.env': `${FILE}PORT=7100\n` }, { ENV_FILE: 'prod.env' });
  assert.equal(loadConfig().port, 7100);
});

test('an ENV_FILE that does not exist, or a .env that is not a file, is refused by name', () => {
  const dir = workIn({}, { ENV_FILE: 'missing.env', BOT_TOKEN: T1, API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' });
  assert.deepEqual(problems(), [`ENV_FILE names ${join(dir, 'missing.env')}, which does not exist: correct the path, or leave ENV_FILE unset to read .env`]);
  const other = workIn({}, { BOT_TOKEN: T1, API_ID: '12345', API_HASH: '0123456789abcdef0123456789abcdef', LOG_CHANNEL: '-1001234567890' });
  mkdirSync(join(other, '.env'));
  assert.match(problems().join('\n'), new RegExp(`^\\.env \\(${join(other, '.env').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) cannot be read \\(EISDIR\\)`));
});
