// How a sandbox connection's framed packets reach its socket: in order, held back while the DC is frozen, and shaped
// by the network faults the control API sets (packets written in pieces with pauses, a reset half-way through one).
import type { Socket } from 'node:net';
import { splitPieces, type SplitWrites } from './faults.ts';

export interface SocketWriterOptions {
  /** The DC is frozen: packets wait for release(). */
  frozen: () => boolean;
  /** Write packets in random pieces with pauses (DcFaults.splitWrites), or null. */
  splitWrites: () => SplitWrites | null;
  /** The connection is closed: nothing more is written. */
  closed: () => boolean;
  /** After a reset mid-packet: the connection must close. */
  onReset: () => void;
}

export class SocketWriter {
  readonly #socket: Socket;
  readonly #o: SocketWriterOptions;
  #held: { framed: Buffer[]; cut: boolean }[] = [];
  #pieces: { p: Buffer; gapMs: number }[] = [];
  /** Half a packet went out before a reset: nothing more is written. */
  #cutting = false;

  constructor(socket: Socket, o: SocketWriterOptions) {
    this.#socket = socket;
    this.#o = o;
  }

  get cutting(): boolean {
    return this.#cutting;
  }

  /** Framed packets leave in the order they were framed (an obfuscated stream depends on it); `cut` resets the connection half-way through this one. */
  emit(framed: Buffer[], cut = false): void {
    if (this.#o.closed() || this.#cutting) return;
    if (this.#o.frozen()) this.#held.push({ framed, cut });
    else this.#write(framed, cut);
  }

  /** The freeze ended: what was held goes out, in order. */
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const { framed, cut } of held) this.#write(framed, cut);
  }

  drop(): void {
    this.#held = [];
    this.#pieces = [];
  }

  #write(framed: Buffer[], cut: boolean): void {
    if (this.#o.closed() || this.#cutting) return;
    if (cut) {
      const whole = Buffer.concat(framed);
      this.#cutting = true;
      this.#socket.write(whole.subarray(0, Math.max(1, whole.length >> 1)), () => this.#reset());
      return;
    }
    const split = this.#o.splitWrites();
    if (split || this.#pieces.length) return this.#writePieces(split ? splitPieces(Buffer.concat(framed), split.pieces) : [Buffer.concat(framed)], split?.gapMs ?? 0);
    this.#socket.cork();
    for (const part of framed) this.#socket.write(part);
    this.#socket.uncork();
  }

  /** Writes pieces one TCP write at a time with a pause between them; later packets queue behind. */
  #writePieces(pieces: Buffer[], gapMs: number): void {
    const idle = this.#pieces.length === 0;
    this.#pieces.push(...pieces.map((p) => ({ p, gapMs })));
    if (!idle) return;
    const next = () => {
      const item = this.#pieces.shift();
      if (!item || this.#o.closed()) {
        this.#pieces = [];
        return;
      }
      this.#socket.write(item.p);
      if (this.#pieces.length) setTimeout(next, item.gapMs);
    };
    next();
  }

  /** A connection reset mid-packet: the half already written stays with the client, the rest never comes. */
  #reset(): void {
    if (!this.#o.closed()) this.#socket.resetAndDestroy();
    this.#o.onReset();
  }
}
