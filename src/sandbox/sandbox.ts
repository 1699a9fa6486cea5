// The sandbox: a loopback Telegram with several DCs sharing one world. Tests, the bench suite and the demo
// start one of these and point unmodified gramjs clients at it.
import { RpcError, floodWait, badRequest } from './errors.ts';
import { generateRsaKey, rsaKeyFromPem, type SandboxRsaKey } from './crypto.ts';
import { DcServer, type AuthKeyRecord } from './dc.ts';
import { CallContext, METHODS } from './methods/index.ts';
import { BytePacer, TokenBucket } from './rate.ts';
import { BotSendLimiter } from './send-limits.ts';
import { channelTl, entitiesFor, messageTl, userTl } from './render.ts';
import { Api, boolBytes, vectorBytes, toBig, type TLObject } from './tl.ts';
import { World, type WorldEvent } from './world.ts';
import type { Connection } from './connection.ts';

const api = Api as any;

export interface SandboxOptions {
  /** Number of DCs (each its own loopback port). At least 2 so FILE_MIGRATE can be exercised. */
  dcCount?: number;
  host?: string;
  /** Fixed ports per DC (index 0 = DC 1); 0 or absent picks a free port. Keep them below 32768 (gramjs StringSession). */
  ports?: number[];
  /** PEM of the RSA private key; a fresh key is generated when absent. */
  rsaPrivateKeyPem?: string;
  fileReferenceTtlMs?: number;
  /** api_id/api_hash pairs accepted at login; any non-empty pair when absent. */
  apiCredentials?: { apiId: number; apiHash: string };
  logger?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface FloodPolicy {
  /** Requests per second per session (auth key) for the method, with a burst allowance. */
  perSecond: number;
  burst: number;
}

export interface InjectedFailure {
  method: string;
  remaining: number;
  code: number;
  message: string;
  /** Only this account's calls fail; any account when absent. */
  userId?: bigint;
}

export interface SandboxCounters {
  connections: number;
  handshakes: number;
  logins: number;
  exportedAuthorizations: number;
  requests: Record<string, number>;
  errors: Record<string, number>;
  getFileParts: number;
  badServerSalts: number;
  unknownAuthKeys: number;
  bytesServed: number;
  floodWaits: number;
  /** Packets a frozen DC received and held until the freeze ended. */
  heldPackets: number;
  restarts: number;
  /** Authorizations (auth key logins) taken away by revokeBot. */
  revokedAuthorizations: number;
  /** Bot sends refused with FLOOD_WAIT_X by the send limits (per chat or overall). */
  sendFloodWaits: number;
  /** Updates containers pushed to connections (one per connection that received one). */
  updatesPushed: number;
}

export class Sandbox {
  readonly world: World;
  readonly rsa: SandboxRsaKey;
  readonly dcs: DcServer[] = [];
  readonly host: string;
  readonly counters: SandboxCounters = { connections: 0, handshakes: 0, logins: 0, exportedAuthorizations: 0, requests: {}, errors: {}, getFileParts: 0, badServerSalts: 0, unknownAuthKeys: 0, bytesServed: 0, floodWaits: 0, heldPackets: 0, restarts: 0, revokedAuthorizations: 0, sendFloodWaits: 0, updatesPushed: 0 };
  readonly exportedAuthorizations = new Map<bigint, { userId: bigint; dcId: number; bytes: Buffer }>();
  readonly botCommands = new Map<bigint, { command: string; description: string }[]>();
  /** Bots' send limits (Bots FAQ): per chat and overall token buckets. */
  readonly sendLimiter = new BotSendLimiter();
  readonly #latency = new Map<number, number>();
  readonly #floodPolicies = new Map<string, FloodPolicy>();
  readonly #floodBuckets = new Map<string, TokenBucket>();
  readonly #floodUntil = new Map<bigint, number>();
  #failures: InjectedFailure[] = [];
  #bandwidthCap = 0;
  readonly #bandwidthCapByUser = new Map<bigint, number>();
  readonly #pacers = new Map<string, BytePacer>();
  readonly #options: SandboxOptions;
  #started = false;

  constructor(options: SandboxOptions = {}) {
    this.#options = options;
    this.host = options.host ?? '127.0.0.1';
    this.rsa = options.rsaPrivateKeyPem ? rsaKeyFromPem(options.rsaPrivateKeyPem) : generateRsaKey();
    this.world = new World({ dcCount: Math.max(2, options.dcCount ?? 2), fileReferenceTtlMs: options.fileReferenceTtlMs });
    for (let id = 1; id <= this.world.dcCount; id++) this.dcs.push(new DcServer(id, this));
    this.world.on('event', (e) => this.#deliver(e));
  }

  async start(): Promise<this> {
    if (this.#started) throw new Error('sandbox already started');
    this.#started = true;
    const ports = this.#options.ports ?? [];
    for (const dc of this.dcs) await dc.listen(this.host, ports[dc.id - 1] ?? 0);
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all(this.dcs.map((dc) => dc.close()));
  }

  /** dcId → loopback port, for the client's connection class. */
  get ports(): Record<number, number> {
    return Object.fromEntries(this.dcs.map((dc) => [dc.id, dc.port]));
  }

  dc(id: number): DcServer {
    const dc = this.dcs[id - 1];
    if (!dc) throw new RangeError(`no DC ${id}`);
    return dc;
  }

  log(msg: string, fields?: Record<string, unknown>): void {
    this.#options.logger?.(msg, fields);
  }

  acceptsApiId(apiId: number, apiHash: string): boolean {
    const creds = this.#options.apiCredentials;
    if (!creds) return Number.isInteger(apiId) && apiId > 0 && typeof apiHash === 'string' && apiHash.length > 0;
    return apiId === creds.apiId && apiHash === creds.apiHash;
  }

  // ── dispatch ─────────────────────────────────────────────────────────
  /** Runs a request; the serialized answer comes in parts (see Connection#send). */
  async dispatch(conn: Connection, request: TLObject, msgId = 0n): Promise<Buffer[]> {
    const name: string = request.className;
    this.counters.requests[name] = (this.counters.requests[name] ?? 0) + 1;
    const handler = METHODS[name];
    if (!handler) {
      this.log('method not supported', { method: name });
      // Telegram names the method's constructor (unsigned decimal) when it does not serve it.
      throw badRequest(`INPUT_METHOD_INVALID_${request.CONSTRUCTOR_ID >>> 0}`);
    }
    const result = await handler(new CallContext(this, conn.dc, conn, conn.key!, msgId), request);
    if (Buffer.isBuffer(result)) return [result];
    if (typeof result === 'boolean') return [boolBytes(result)];
    if (Array.isArray(result)) return result.every((r) => Buffer.isBuffer(r)) ? (result as Buffer[]) : [vectorBytes(result.map((o) => (o as TLObject).getBytes()))];
    return [result.getBytes()];
  }

  countError(message: string): void {
    this.counters.errors[message] = (this.counters.errors[message] ?? 0) + 1;
    if (message.startsWith('FLOOD_WAIT_')) this.counters.floodWaits++;
  }

  /** Counts a bot's send into a chat against its send limits: 420 FLOOD_WAIT_X beyond them. */
  checkSendLimit(botId: bigint, chat: string): void {
    const wait = this.sendLimiter.take(botId, chat);
    if (wait === 0) return;
    this.counters.sendFloodWaits++;
    throw floodWait(wait);
  }

  // ── knobs ────────────────────────────────────────────────────────────
  setLatency(dcId: number, ms: number): void {
    this.#latency.set(dcId, Math.max(0, ms));
  }

  latencyMs(dcId: number): number {
    return this.#latency.get(dcId) ?? 0;
  }

  /** Caps each session's (auth key's) download rate; 0 removes the cap. Per account when userId is given. */
  setBandwidthCap(bytesPerSecond: number, userId?: bigint): void {
    if (userId === undefined) this.#bandwidthCap = bytesPerSecond;
    else this.#bandwidthCapByUser.set(userId, bytesPerSecond);
    this.#pacers.clear();
  }

  paceBytes(key: AuthKeyRecord, userId: bigint, bytes: number): number {
    const cap = this.#bandwidthCapByUser.get(userId) ?? this.#bandwidthCap;
    if (!cap) return 0;
    let pacer = this.#pacers.get(key.keyId);
    if (!pacer) this.#pacers.set(key.keyId, (pacer = new BytePacer(cap)));
    return pacer.delayFor(bytes);
  }

  /** Rate limit per session (auth key) for a method; null removes it. */
  setFloodPolicy(method: string, policy: FloodPolicy | null): void {
    if (policy && !(policy.perSecond > 0 && Number.isFinite(policy.perSecond))) throw new RangeError(`flood policy for ${method}: perSecond must be a positive number (got ${policy.perSecond}); use null to remove the policy`);
    if (policy && !(policy.burst >= 0 && Number.isFinite(policy.burst))) throw new RangeError(`flood policy for ${method}: burst must be a number ≥ 0 (got ${policy.burst})`);
    if (policy) this.#floodPolicies.set(method, policy);
    else this.#floodPolicies.delete(method);
    this.#floodBuckets.clear();
  }

  /** Puts one account in FLOOD_WAIT for `seconds`: every call it makes until then answers FLOOD_WAIT_X. */
  floodWaitAccount(userId: bigint, seconds: number): void {
    this.#floodUntil.set(userId, Date.now() + seconds * 1000);
  }

  checkFlood(key: AuthKeyRecord, userId: bigint, method: string): void {
    const until = this.#floodUntil.get(userId);
    if (until !== undefined) {
      const left = until - Date.now();
      if (left > 0) throw floodWait(Math.ceil(left / 1000));
      this.#floodUntil.delete(userId);
    }
    const policy = this.#floodPolicies.get(method);
    if (!policy) return;
    const bucketKey = `${method}:${key.keyId}`;
    let bucket = this.#floodBuckets.get(bucketKey);
    if (!bucket) this.#floodBuckets.set(bucketKey, (bucket = new TokenBucket(policy.perSecond, policy.burst)));
    const wait = bucket.take();
    if (wait > 0) throw floodWait(wait);
  }

  /** Makes the next `count` calls of a method fail with the given error. */
  failNext(method: string, count: number, error: { code: number; message: string }, userId?: bigint): void {
    this.#failures.push({ method, remaining: count, code: error.code, message: error.message, userId });
  }

  takeInjectedFailure(method: string, userId: bigint): void {
    const f = this.#failures.find((x) => x.method === method && x.remaining > 0 && (x.userId === undefined || x.userId === userId));
    if (!f) return;
    f.remaining--;
    this.#failures = this.#failures.filter((x) => x.remaining > 0);
    throw new RpcError(f.code, f.message);
  }

  /** Forgets injected failures (of one method, or all) not yet served; returns how many calls would have failed. */
  clearFailures(method?: string): number {
    const cleared = this.#failures.filter((f) => method === undefined || f.method === method);
    this.#failures = this.#failures.filter((f) => !cleared.includes(f));
    return cleared.reduce((n, f) => n + f.remaining, 0);
  }

  /**
   * Takes a bot's authorization away on every auth key of every DC (own login and imported ones), as when its owner
   * revokes its sessions: each call needing authorization then answers 401 AUTH_KEY_UNREGISTERED until the bot logs
   * in again. With resetToken the token changes too and the old one answers ACCESS_TOKEN_INVALID.
   */
  revokeBot(botId: bigint, opts: { resetToken?: boolean } = {}): { authKeys: number; token: string } {
    const bot = this.world.account(botId);
    if (!bot.bot || !bot.token) throw new RangeError(`account ${botId} is not a bot`);
    let authKeys = 0;
    for (const dc of this.dcs) {
      for (const key of dc.authKeys.values()) {
        if (key.userId !== botId) continue;
        key.userId = undefined;
        authKeys++;
      }
    }
    // Exported authorizations not yet imported came from the revoked logins.
    for (const [id, e] of this.exportedAuthorizations) if (e.userId === botId) this.exportedAuthorizations.delete(id);
    this.counters.revokedAuthorizations += authKeys;
    const token = opts.resetToken ? this.world.resetBotToken(botId) : bot.token;
    return { authKeys, token };
  }

  /** DCs a fault applies to: one by id, or every DC when undefined. */
  dcsFor(dcId: number | undefined): DcServer[] {
    return dcId === undefined ? [...this.dcs] : [this.dc(dcId)];
  }

  /** Closes client connections on one DC or all; clients reconnect by themselves. */
  dropConnections(opts: { dcId?: number; userId?: bigint } = {}): number {
    return this.dcs.filter((d) => opts.dcId === undefined || d.id === opts.dcId).reduce((n, d) => n + d.dropConnections(opts.userId), 0);
  }

  // ── updates ──────────────────────────────────────────────────────────
  /**
   * Pushes an event to the account's connections on its home DC that asked for updates. Nothing is kept for an
   * account that is away: as on Telegram, its client asks for what it missed with updates.getDifference.
   */
  #deliver(e: WorldEvent): void {
    const account = this.world.accounts.get(e.to);
    if (!account) return;
    const updates = this.#render(e);
    for (const conn of this.dc(account.homeDc).updateReceivers(e.to)) {
      conn.pushUpdate(updates);
      this.counters.updatesPushed++;
    }
  }

  #render(e: WorldEvent): TLObject {
    const date = Math.floor(Date.now() / 1000);
    if (e.kind === 'callback-query') {
      const q = e.query;
      const { users } = entitiesFor(this.world, [], e.to);
      users.push(userTl(this.world.account(q.userId), e.to));
      return new api.Updates({
        updates: [new api.UpdateBotCallbackQuery({ queryId: toBig(q.id), userId: toBig(q.userId), peer: new api.PeerUser({ userId: toBig(q.userId) }), msgId: q.msgId, chatInstance: toBig(e.chatInstance), data: q.data })],
        users, chats: [], date, seq: 0,
      });
    }
    const channel = e.box !== 'private';
    const items = e.kind === 'new-message' ? e.messages : [{ message: e.message, pts: e.pts }];
    const updates = items.map(({ message: m, pts }) => {
      const message = messageTl(this.world, m, e.to);
      if (e.kind === 'new-message') return channel ? new api.UpdateNewChannelMessage({ message, pts, ptsCount: 1 }) : new api.UpdateNewMessage({ message, pts, ptsCount: 1 });
      return channel ? new api.UpdateEditChannelMessage({ message, pts, ptsCount: 1 }) : new api.UpdateEditMessage({ message, pts, ptsCount: 1 });
    });
    const { users, chats } = entitiesFor(this.world, items.map((i) => i.message), e.to);
    if (e.box !== 'private' && e.box.kind === 'channel' && !chats.length) chats.push(channelTl(this.world.channel(e.box.id), e.to));
    return new api.Updates({ updates, users, chats, date, seq: 0 });
  }
}

/** The plain-data endpoint description clients use (see client.ts). */
export function endpointOf(sandbox: Sandbox): import('./client.ts').SandboxEndpoint {
  return { host: sandbox.host, ports: sandbox.ports, rsa: { fingerprint: sandbox.rsa.fingerprint, n: sandbox.rsa.n.toString(), e: sandbox.rsa.e } };
}
