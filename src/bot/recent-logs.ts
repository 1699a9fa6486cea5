// The last log lines, kept in memory for the admins' /logs command. It is a pino destination: give it to
// pino.multistream next to stdout. Lines are stored already scrubbed of anything that looks like a bot token or a
// saved session, so no query can reveal one.

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const LEVEL_NAMES = Object.fromEntries(Object.entries(LEVELS).map(([name, n]) => [n, name]));

// Keys whose values are secrets whatever they look like.
const SECRET_KEY = /token|secret|password|apihash|api_hash|authorization|cookie|sessionstring|databaseurl|database_url/i;

function isSecretField(key: string, value: unknown): boolean {
  // `session` is also a session index in supervisor logs; only a string there can be a saved session.
  return SECRET_KEY.test(key) || (/session/i.test(key) && typeof value === 'string' && value.length > 20);
}
const SECRET_VALUE_PATTERNS: RegExp[] = [
  /\b\d{5,}:[A-Za-z0-9_-]{30,}\b/g, // bot token
  /\b1[A-Za-z0-9+/=_-]{150,}/g, // gramjs StringSession
  /mongodb(?:\+srv)?:\/\/[^\s"']+/gi, // connection string with credentials
  /[A-Za-z0-9+/_-]{80,}={0,2}/g, // any other long opaque blob
];

export function scrubSecrets(text: string): string {
  let out = text;
  for (const pattern of SECRET_VALUE_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

export interface LogEntry {
  time: number;
  level: number;
  levelName: string;
  /** One printable line: time, level, message and the other fields. */
  text: string;
}

export interface LogQuery {
  /** Minimum level by name (info, warn, error, ...). */
  level?: string;
  /** Case-insensitive substring. */
  text?: string;
  /** Newest lines kept (default 50). */
  limit?: number;
}

export class RecentLogs {
  readonly #capacity: number;
  #entries: LogEntry[] = [];

  constructor(options: { capacity?: number } = {}) {
    this.#capacity = options.capacity ?? 500;
  }

  static levelOf(name: string): number | undefined {
    return LEVELS[name.toLowerCase()];
  }

  /** pino destination interface: one JSON line per call. */
  write(line: string): void {
    for (const one of line.split('\n')) {
      if (one.trim() === '') continue;
      this.#entries.push(toEntry(one));
    }
    if (this.#entries.length > this.#capacity) this.#entries = this.#entries.slice(-this.#capacity);
  }

  /** Oldest first. */
  query(q: LogQuery = {}): LogEntry[] {
    const min = q.level === undefined ? 0 : RecentLogs.levelOf(q.level);
    if (min === undefined) throw new RangeError(`log level must be one of ${Object.keys(LEVELS).join(', ')} (got ${q.level})`);
    const needle = q.text?.toLowerCase();
    const matches = this.#entries.filter((e) => e.level >= min && (!needle || e.text.toLowerCase().includes(needle)));
    return matches.slice(-(q.limit ?? 50));
  }
}

function toEntry(line: string): LogEntry {
  let parsed: Record<string, unknown> | null = null;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) parsed = value as Record<string, unknown>;
  } catch {
    // Not JSON (a pretty-printed or foreign line): kept as it is, scrubbed.
  }
  if (!parsed) return { time: Date.now(), level: 30, levelName: 'info', text: scrubSecrets(line.trim()) };
  const level = typeof parsed.level === 'number' ? parsed.level : (LEVELS[String(parsed.level)] ?? 30);
  const time = typeof parsed.time === 'number' ? parsed.time : Date.now();
  const levelName = LEVEL_NAMES[level] ?? String(level);
  const fields = Object.entries(parsed)
    .filter(([k]) => !['level', 'time', 'msg', 'pid', 'hostname', 'v'].includes(k))
    .map(([k, v]) => `${k}=${isSecretField(k, v) ? '[redacted]' : stringify(v)}`);
  const clock = new Date(time).toISOString().slice(11, 19);
  const text = scrubSecrets(`${clock} ${levelName.toUpperCase()} ${String(parsed.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}`);
  return { time, level, levelName, text };
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value, (k, v) => (k && isSecretField(k, v) ? '[redacted]' : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
