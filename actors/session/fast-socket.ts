// gramjs's socket class (telegram/extensions/PromisedNetSockets.js) without its copies, handed to TelegramClient as
// `networkSocket`. gramjs's class appends every TCP chunk to one Buffer with Buffer.concat and concatenates again in
// readExactly, so a 1 MiB answer arriving in ~64 KiB chunks is copied about eight times. This one keeps the chunks
// as they came and copies at most once per read: bytes lying within one chunk are handed out as a view of it, bytes
// spanning chunks are gathered into one new Buffer.
//
// Closing behaves as in gramjs's class, because gramjs's reconnect logic depends on it: reads and writes on a closed
// socket fail with Error('NetSocket was closed'), and so do pending reads once the underlying socket has closed
// (after close(), a reset, an error or the peer's FIN), even if bytes are still buffered. Errors after connecting are
// swallowed there too; the 'close' that follows every one of them is what fails the reads.
import net from 'node:net';

// One shared instance, as in gramjs's class.
const closeError = new Error('NetSocket was closed');

/** What gramjs passes to a socket class's constructor (its ProxyInterface, loosely). */
export type SocketProxy = { MTProxy?: unknown; ip?: string; port?: number; socksType?: number } | undefined;

interface PendingRead {
  /** Bytes wanted: exactly this many, or (for read/readAll) up to this many, at least one. */
  n: number;
  exact: boolean;
  resolve(data: Buffer): void;
  reject(err: Error): void;
}

export class FastSocket {
  /** The current connection's node:net socket (named as in gramjs's class). */
  client: net.Socket | undefined = undefined;
  closed = true;
  /** Received chunks not yet fully read; the first unread one is #chunks[#head], read up to #offset. */
  #chunks: (Buffer | undefined)[] = [];
  #head = 0;
  #offset = 0;
  #buffered = 0;
  #pending: PendingRead[] = [];

  constructor(proxy?: SocketProxy) {
    // An MTProxy is spoken by the connection class over a plain socket, as with gramjs's class; a SOCKS proxy would
    // have to be dialled here, and StreamBot configures none.
    if (proxy && !('MTProxy' in proxy)) {
      throw new Error('FastSocket does not support SOCKS proxies; leave the proxy option unset or use networkSocket: PromisedNetSockets');
    }
  }

  /** Connects to ip:port; resolves once connected, rejects with the socket's error if connecting fails. */
  connect(port: number, ip: string): Promise<this> {
    this.#drop();
    // Reads left from an earlier connection of this object would otherwise get the new connection's bytes.
    this.#failPending();
    const socket = new net.Socket();
    this.client = socket;
    this.closed = false;
    return new Promise<this>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => this.#received(socket, chunk));
      socket.on('error', reject);
      socket.on('close', () => this.#socketClosed(socket));
      socket.connect(port, ip, () => resolve(this));
    });
  }

  /** Exactly n bytes, once they have arrived. */
  readExactly(n: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(closeError);
    if (!Number.isSafeInteger(n) || n < 0) return Promise.reject(new RangeError(`cannot read ${n} bytes`));
    if (this.#pending.length === 0 && this.#buffered >= n) return Promise.resolve(this.#take(n));
    return this.#wait(n, true);
  }

  /** Up to n bytes: whatever is buffered, waiting for at least one byte. */
  read(n: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(closeError);
    if (!Number.isSafeInteger(n) || n < 0) return Promise.reject(new RangeError(`cannot read ${n} bytes`));
    if (this.#pending.length === 0 && this.#buffered > 0) return Promise.resolve(this.#take(Math.min(n, this.#buffered)));
    return this.#wait(n, false);
  }

  /** Everything buffered, waiting for at least one byte. */
  readAll(): Promise<Buffer> {
    if (this.closed) return Promise.reject(closeError);
    if (this.#pending.length === 0 && this.#buffered > 0) return Promise.resolve(this.#take(this.#buffered));
    return this.#wait(Infinity, false);
  }

  write(data: Buffer): void {
    if (this.closed) throw closeError;
    this.client?.write(data);
  }

  /**
   * Destroys the connection. Pending reads fail when its 'close' event follows, as with gramjs's class (which sets
   * `closed` one microtask later than this; nothing in gramjs can run in between).
   */
  async close(): Promise<void> {
    const socket = this.client;
    if (socket) {
      socket.destroy();
      socket.unref();
    }
    this.closed = true;
  }

  toString(): string {
    return 'FastSocket';
  }

  #wait(n: number, exact: boolean): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => this.#pending.push({ n, exact, resolve, reject }));
  }

  #received(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.client || chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    while (this.#pending.length > 0) {
      const read = this.#pending[0]!;
      if (read.exact ? this.#buffered < read.n : this.#buffered === 0) return;
      this.#pending.shift();
      read.resolve(this.#take(Math.min(read.n, this.#buffered)));
    }
  }

  #socketClosed(socket: net.Socket): void {
    if (socket !== this.client) return;
    this.closed = true;
    this.#drop();
    this.#failPending();
  }

  #failPending(): void {
    const pending = this.#pending;
    this.#pending = [];
    for (const read of pending) read.reject(closeError);
  }

  #drop(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#offset = 0;
    this.#buffered = 0;
  }

  /** Removes the next n buffered bytes (n <= #buffered). */
  #take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    this.#buffered -= n;
    const first = this.#chunks[this.#head]!;
    const start = this.#offset;
    if (first.length - start >= n) {
      // A view, no copy. It keeps the whole chunk (at most 64 KiB) alive, but only while the caller holds it: gramjs
      // reads a packet's length, body and checksum, decrypts the body into new Buffers and lets the read ones go.
      this.#consumed(first, start + n);
      return first.subarray(start, start + n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.#chunks[this.#head]!;
      const from = this.#offset;
      const count = Math.min(chunk.length - from, n - filled);
      chunk.copy(out, filled, from, from + count);
      filled += count;
      this.#consumed(chunk, from + count);
    }
    return out;
  }

  /** Marks the head chunk read up to `end`, releasing it once it is read to the end. */
  #consumed(chunk: Buffer, end: number): void {
    if (end < chunk.length) {
      this.#offset = end;
      return;
    }
    this.#chunks[this.#head++] = undefined;
    this.#offset = 0;
    if (this.#head === this.#chunks.length) {
      this.#chunks = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#chunks.length) {
      // Many small chunks read (a slow trickle): drop the spent slots so the list does not grow without end.
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
