// What never reaches a log line: secret fields by path (pino's redact) and secret-looking text anywhere in the
// serialized line (a bot token quoted in an error message, a connection string in a stack).
// src/bot/recent-logs.ts scrubs the lines it keeps for /logs the same way; these patterns stay inside a JSON string
// literal (none of them can swallow a backslash or a quote), so they can run on serialized lines.

const SECRET_KEYS = ['token', 'botToken', 'apiHash', 'session', 'password', 'databaseUrl'];

/** pino `redact` paths: secret keys at the top and one level down, and authorization headers. */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
];

export const CENSOR = '[redacted]';

/** `session` is also a session's index (a number) in supervisor lines; only a string there can be a saved session. */
export function censor(value: unknown, path: string[]): unknown {
  if (path[path.length - 1] === 'session' && typeof value !== 'string') return value;
  return CENSOR;
}

const SECRET_PATTERNS: [RegExp, string][] = [
  [/\d+:[A-Za-z0-9_-]{30,}/g, CENSOR], // bot token
  [/\b1[A-Za-z0-9+/=_-]{150,}/g, CENSOR], // gramjs StringSession
  [/(mongodb(?:\+srv)?:\/\/)[^\s"'\\@/]+@/gi, `$1${CENSOR}@`], // credentials in a connection string
];

/** Replaces secret-looking text in one serialized line. */
export function scrubLine(line: string): string {
  let out = line;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
