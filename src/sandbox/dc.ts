// One sandbox data center: a loopback TCP listener, its auth keys, and its client connections.
import { createServer, type Server } from 'node:net';
import { Connection } from './connection.ts';
import type { NewAuthKey } from './handshake.ts';
import type { Sandbox } from './sandbox.ts';

export interface AuthKeyRecord {
  keyId: string;
  keyIdBytes: Buffer;
  key: Buffer;
  dcId: number;
  salt: bigint;
  /** Account authorized on this key (bot login or imported authorization), per DC as on Telegram. */
  userId?: bigint;
  createdAt: number;
}

export class DcServer {
  readonly authKeys = new Map<string, AuthKeyRecord>();
  readonly connections = new Set<Connection>();
  readonly #server: Server;
  port = 0;

  constructor(readonly id: number, readonly sandbox: Sandbox) {
    this.#server = createServer((socket) => {
      const conn = new Connection(socket, this);
      this.connections.add(conn);
      this.sandbox.counters.connections++;
    });
  }

  /**
   * Listens on `port`, or on a free port below 32768 when 0: gramjs's StringSession stores the port as a signed
   * 16-bit number, and the OS's ephemeral range starts above that.
   */
  async listen(host: string, port: number): Promise<number> {
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

  #listenOn(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        const addr = this.#server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : port;
        resolve(this.port);
      });
    });
  }

  registerAuthKey(k: NewAuthKey): AuthKeyRecord {
    const record: AuthKeyRecord = { keyId: k.keyId, keyIdBytes: Buffer.from(k.keyId, 'hex'), key: k.key, dcId: this.id, salt: k.salt, createdAt: Date.now() };
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
    for (const c of [...this.connections]) c.close();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
