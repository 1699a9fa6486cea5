// One sandbox data center: a loopback TCP listener, its auth keys, and its client connections.
import { createServer, type Server } from 'node:net';
import { Connection } from './connection.ts';
import type { NewAuthKey } from './handshake.ts';
import type { Sandbox } from './sandbox.ts';
import { DcFaults } from './faults.ts';

/**
 * One auth key a DC knows. A temporary key (p_q_inner_data_temp*) lives until `expiresAt`; bound to a permanent key
 * by auth.bindTempAuthKey it acts for that key's authorization (core.telegram.org/api/pfs): a login on either is a
 * login on both, as long as the binding lasts.
 */
export class AuthKeyRecord {
  readonly keyIdBytes: Buffer;
  readonly createdAt = Date.now();
  #userId?: bigint;
  /** The permanent key this temporary key is bound to. */
  boundTo?: AuthKeyRecord;
  /** The temporary key bound to this permanent key: one at a time, a new binding replaces it. */
  boundTemp?: AuthKeyRecord;

  constructor(
    readonly keyId: string,
    readonly key: Buffer,
    readonly dcId: number,
    public salt: bigint,
    /** Milliseconds since the epoch when a temporary key is gone; undefined for a permanent key. */
    public expiresAt?: number,
  ) {
    this.keyIdBytes = Buffer.from(keyId, 'hex');
  }

  get temporary(): boolean {
    return this.expiresAt !== undefined;
  }

  expired(now = Date.now()): boolean {
    return this.expiresAt !== undefined && now >= this.expiresAt;
  }

  /** Account authorized on this key (bot login or imported authorization), per DC as on Telegram. */
  get userId(): bigint | undefined {
    return this.boundTo ? this.boundTo.userId : this.#userId;
  }

  set userId(id: bigint | undefined) {
    if (this.boundTo) this.boundTo.userId = id;
    else this.#userId = id;
  }

  /** Binds this temporary key to `perm`, replacing the temporary key `perm` had. */
  bindTo(perm: AuthKeyRecord): void {
    if (perm.boundTemp && perm.boundTemp !== this) perm.boundTemp.boundTo = undefined;
    perm.boundTemp = this;
    this.boundTo = perm;
  }

  unbind(): void {
    if (this.boundTo?.boundTemp === this) this.boundTo.boundTemp = undefined;
    this.boundTo = undefined;
  }
}

/**
 * A DC's auth keys by hex auth_key_id. A temporary key past its expiry is forgotten when looked up, so a message
 * under it meets the unknown-key answer (-404), as Telegram keeps temporary keys only in RAM and only that long.
 */
export class AuthKeyTable extends Map<string, AuthKeyRecord> {
  override get(keyId: string): AuthKeyRecord | undefined {
    const record = super.get(keyId);
    if (!record?.expired()) return record;
    record.unbind();
    this.delete(keyId);
    return undefined;
  }
}

export interface DcState {
  /** False while a restart has the DC down (connections are refused). */
  listening: boolean;
  frozen: boolean;
  /** Milliseconds until the freeze ends (0 when not frozen). */
  frozenMsLeft: number;
  connections: number;
  /** Packets received during the freeze, waiting for it to end. */
  heldPackets: number;
}

export class DcServer {
  readonly authKeys = new AuthKeyTable();
  readonly connections = new Set<Connection>();
  /** Network faults set through the control API. */
  readonly faults = new DcFaults();
  readonly #server: Server;
  port = 0;
  #host = '127.0.0.1';
  #listening = false;
  #stopped = false;
  #frozenUntil = 0;
  #thawTimer?: NodeJS.Timeout;
  #restart?: { timer: NodeJS.Timeout; done: Promise<void>; finish: () => void };

  constructor(readonly id: number, readonly sandbox: Sandbox) {
    this.#server = createServer((socket) => {
      const conn = new Connection(socket, this);
      const limit = this.faults.connectionLimit;
      if (limit !== null && this.connections.size >= limit) {
        this.faults.refusedConnections++;
        return conn.refuse(-429);
      }
      this.connections.add(conn);
      this.sandbox.counters.connections++;
    });
  }

  get frozen(): boolean {
    return this.#frozenUntil > 0;
  }

  state(): DcState {
    let heldPackets = 0;
    for (const c of this.connections) heldPackets += c.heldPackets;
    return { listening: this.#listening, frozen: this.frozen, frozenMsLeft: this.frozen ? Math.max(0, this.#frozenUntil - Date.now()) : 0, connections: this.connections.size, heldPackets };
  }

  /**
   * Stops answering for `ms` like a stalled DC: sockets stay open, what clients send is held and answered once the
   * freeze ends, and answers already on their way wait too. 0 ends a freeze now; a new freeze replaces the old one.
   */
  freeze(ms: number): void {
    clearTimeout(this.#thawTimer);
    if (ms <= 0) return this.#thaw();
    this.#frozenUntil = Date.now() + ms;
    this.#thawTimer = setTimeout(() => this.#thaw(), ms);
  }

  #thaw(): void {
    clearTimeout(this.#thawTimer);
    this.#thawTimer = undefined;
    if (!this.frozen) return;
    this.#frozenUntil = 0;
    for (const c of [...this.connections]) c.thaw();
  }

  /**
   * Goes down like a restarting server: closes every connection and refuses new ones for `downMs`, then listens on
   * the same port again. Auth keys and their authorizations are kept, as Telegram keeps them across restarts.
   * Resolves once the DC listens again.
   */
  restart(downMs: number): Promise<void> {
    if (this.#restart) return this.#restart.done;
    if (!this.#listening) throw new Error(`DC ${this.id} is not listening: start the sandbox before restarting a DC`);
    this.sandbox.counters.restarts++;
    let finish!: () => void;
    let fail!: (err: Error) => void;
    const done = new Promise<void>((resolve, reject) => { finish = resolve; fail = reject; });
    const timer = setTimeout(() => {
      this.#listenOn(this.#host, this.port, 40).then(
        () => finish(),
        (err) => fail(new Error(`DC ${this.id} could not listen on port ${this.port} again after its restart: ${(err as Error).message}; something else took the port`)),
      ).finally(() => { this.#restart = undefined; });
    }, Math.max(0, downMs));
    this.#restart = { timer, done, finish };
    this.#listening = false;
    this.#server.close();
    for (const c of [...this.connections]) c.close();
    return done;
  }

  /**
   * Listens on `port`, or on a free port below 32768 when 0: gramjs's StringSession stores the port as a signed
   * 16-bit number, and the OS's ephemeral range starts above that.
   */
  async listen(host: string, port: number): Promise<number> {
    this.#host = host;
    if (port !== 0) return this.#listenOn(host, port);
    for (let attempt = 0; ; attempt++) {
      const candidate = 20000 + Math.floor(Math.random() * 12000);
      try {
        return await this.#listenOn(host, candidate);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 50) throw err;
      }
    }
  }

  /** Binds the listener; `retries` covers a port that another socket holds for a moment after a restart. */
  async #listenOn(host: string, port: number, retries = 0): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      if (this.#stopped) throw new Error(`DC ${this.id} was stopped`);
      try {
        await new Promise<void>((resolve, reject) => {
          this.#server.once('error', reject);
          this.#server.listen(port, host, () => {
            this.#server.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const addr = this.#server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    this.#listening = true;
    return this.port;
  }

  registerAuthKey(k: NewAuthKey): AuthKeyRecord {
    const expiresAt = k.expiresIn === undefined ? undefined : Date.now() + k.expiresIn * 1000;
    const record = new AuthKeyRecord(k.keyId, k.key, this.id, k.salt, expiresAt);
    // Looking a key up forgets it once expired: a pass here keeps expired temporary keys from piling up.
    for (const keyId of this.authKeys.keys()) this.authKeys.get(keyId);
    this.authKeys.set(k.keyId, record);
    return record;
  }

  connectionClosed(conn: Connection): void {
    this.connections.delete(conn);
  }

  /** Connections authorized as this account that asked for updates. */
  *updateReceivers(userId: bigint): Iterable<Connection> {
    for (const c of this.connections) if (c.receivesUpdates && c.key?.userId === userId) yield c;
  }

  /** Drops client connections (all, or one account's): clients see a closed socket and reconnect. */
  dropConnections(userId?: bigint): number {
    let n = 0;
    for (const c of [...this.connections]) {
      if (userId === undefined || c.key?.userId === userId) {
        c.close();
        n++;
      }
    }
    return n;
  }

  close(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#thawTimer);
    this.#frozenUntil = 0;
    if (this.#restart) {
      clearTimeout(this.#restart.timer);
      this.#restart.finish();
      this.#restart = undefined;
    }
    for (const c of [...this.connections]) c.close();
    if (!this.#listening) return Promise.resolve();
    this.#listening = false;
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
