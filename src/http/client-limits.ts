// Per-client fairness: how many file responses one client address may hold at once. Without it, one address that
// opens many streams and reads nothing fills maxStreams and every other client gets 503.

/**
 * One spelling per address, so an IPv4 client counts the same whether uWS reports it as `1.2.3.4`,
 * `::ffff:1.2.3.4` or `0000:0000:0000:0000:0000:ffff:0102:0304` (a dual-stack socket maps IPv4 into IPv6).
 * IPv6 addresses come out in RFC 5952 form (lowercase, zeros compressed).
 */
export function normaliseIp(text: string): string {
  const raw = text.trim();
  if (!raw.includes(':')) return raw;
  let host: string;
  try {
    host = new URL(`http://[${raw}]/`).hostname.slice(1, -1);
  } catch {
    return raw.toLowerCase();
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped === null) return host;
  const hi = Number.parseInt(mapped[1]!, 16);
  const lo = Number.parseInt(mapped[2]!, 16);
  return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
}

/** Counts responses per client address; an address with no response in flight holds no memory. */
export class ClientLimits {
  readonly #max: number;
  readonly #active = new Map<string, number>();

  constructor(maxPerClient: number) {
    this.#max = maxPerClient;
  }

  /** Takes one slot for `client`; false when it already holds the maximum. */
  tryAcquire(client: string): boolean {
    const n = this.#active.get(client) ?? 0;
    if (n >= this.#max) return false;
    this.#active.set(client, n + 1);
    return true;
  }

  release(client: string): void {
    const n = this.#active.get(client) ?? 0;
    if (n <= 1) this.#active.delete(client);
    else this.#active.set(client, n - 1);
  }

  /** Addresses holding at least one slot (for stats: 0 when idle, anything else is a leak). */
  get clients(): number {
    return this.#active.size;
  }
}
