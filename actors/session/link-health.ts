// Connection health of one gramjs client, per DC: the home DC's sender and the download senders of other DCs.
//
// gramjs on its own handles a lost connection badly for a server that must answer within a second: the sender
// waits 1 s, then retries `connectionRetries` times and afterwards stays disconnected for good, with the requests
// sent on the lost connection still queued (they wait for the supervisor's call timeout); exported senders report
// nothing, and UpdateConnectionState only fires for the home sender once its reconnect has already begun. The one
// reliable signal is the sender's own receive/send loop calling `reconnect()` when its socket fails. So the sender
// class is patched, for senders of a client this module watches, to:
//   - on a lost connection, fail every call in flight on that DC with LinkDown at once, and start a replacement
//     sender (a new connection and MTProto session on the same auth key) that retries forever with a capped,
//     jittered backoff, so a DC that comes back is used again within about the longest backoff;
//   - while a DC has a lost sender, fail new calls needing it at once (`run`);
//   - report every change of a DC's link through `onChange`.
import { createRequire } from 'node:module';
import type { TelegramClient } from 'telegram';
import { AuthRevoked, LinkDown } from './gramjs-errors.ts';

const require = createRequire(import.meta.url);
const { MTProtoSender, UpdateConnectionState } = require('telegram/network') as any;
const { Api } = require('telegram') as typeof import('telegram');
const { LAYER } = require('telegram/tl/AllTLObjects') as { LAYER: number };

export type LinkState = 'up' | 'down';

export interface LinkHealthOptions {
  onChange(change: { dcId: number; state: LinkState }): void;
  /** First retry delay after a failed connect; doubles per attempt up to maxDelayMs, each delay jittered ±25%. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

// gramjs's sender and request state are untyped internals here.
type Sender = any;
type Client = TelegramClient & Record<string, any>;

const watched = new WeakMap<object, LinkHealth>();
const never = new Promise<never>(() => {});
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LinkHealth {
  readonly #client: Client;
  readonly #onChange: LinkHealthOptions['onChange'];
  readonly #minDelayMs: number;
  readonly #maxDelayMs: number;
  /** Senders without a working connection (lost, or still connecting after a failed attempt) → their DC. */
  readonly #lost = new Map<Sender, number>();
  /** Senders already replaced after a loss; their late reconnect() calls are ignored. */
  readonly #replaced = new WeakSet<Sender>();
  readonly #down = new Set<number>();
  readonly #calls = new Map<number, Set<(err: Error) => void>>();
  #revoked: AuthRevoked | undefined;
  #closed = false;

  constructor(client: TelegramClient, opts: LinkHealthOptions) {
    patchSenderClass();
    this.#client = client as Client;
    this.#onChange = opts.onChange;
    this.#minDelayMs = opts.minDelayMs ?? 250;
    this.#maxDelayMs = opts.maxDelayMs ?? 2000;
    watched.set(client, this);
  }

  get homeDc(): number {
    return this.#client.session.dcId;
  }

  isDown(dcId: number): boolean {
    return this.#down.has(dcId);
  }

  /** DCs whose link is down now. */
  downDcs(): number[] {
    return [...this.#down].sort((a, b) => a - b);
  }

  /**
   * Runs a call that needs `dcId`. It fails at once while that DC is down, and the moment it goes down while the
   * call is in flight, whatever gramjs is still waiting for.
   */
  run<T>(dcId: number, call: () => Promise<T>): Promise<T> {
    if (this.#revoked) return Promise.reject(this.#revoked);
    if (this.#down.has(dcId)) return Promise.reject(new LinkDown(dcId, 'reconnecting'));
    return new Promise<T>((resolve, reject) => {
      let calls = this.#calls.get(dcId);
      if (!calls) this.#calls.set(dcId, (calls = new Set()));
      const set = calls;
      set.add(reject);
      (async () => call())().then(resolve, reject).finally(() => set.delete(reject));
    });
  }

  /** Fails the calls in flight on `dcId` with `err` (a sender gramjs dropped, or a lost link). */
  failCalls(dcId: number, err: Error): void {
    const calls = this.#calls.get(dcId);
    this.#calls.delete(dcId);
    for (const fail of calls ?? []) fail(err);
  }

  /** Stops reconnecting and reporting; senders still connecting are disconnected. Used when the session stops. */
  close(): void {
    this.#closed = true;
    for (const sender of [...this.#lost.keys()]) void sender.disconnect().catch(() => {});
    this.#lost.clear();
  }

  // ── sender hooks, called by the patched MTProtoSender methods ─────────────

  /** Replaces gramjs's connect(): one connection, retried with backoff until it is up (or the sender is dropped). */
  async connect(sender: Sender, connection: any, force: boolean): Promise<boolean> {
    if (sender._userConnected && !force) return false;
    sender.userDisconnected = false;
    for (let attempt = 0; ; attempt++) {
      if (this.#closed) return never;
      if (sender.userDisconnected) return false;
      try {
        await connectOnce(sender, connection);
        this.#senderUp(sender);
        return true;
      } catch (err) {
        this.#senderLost(sender, `connect failed: ${(err as Error)?.message ?? String(err)}`);
        await sleep(this.#delay(attempt));
        connection = freshConnection(sender, connection);
      }
    }
  }

  /** Replaces gramjs's reconnect(): the sender's socket failed (or it stalled). */
  lost(sender: Sender, why: string): void {
    if (this.#closed || sender.userDisconnected || this.#replaced.has(sender) || !sender._userConnected) return;
    this.#replaced.add(sender);
    const dcId: number = sender._dcId;
    rejectQueued(sender, new LinkDown(dcId, why));
    const fresh = replacementOf(sender);
    // The DC counts as down until the replacement connects; this also fails the calls in flight there.
    this.#senderLost(fresh, why);
    const isMain = this.#client._sender === sender;
    // The old sender goes quietly: its loops end on their own, and nothing it still held is resent.
    void sender.disconnect().catch(() => {});
    const ready = fresh.connect(freshConnection(sender, sender._connection), true).then(() => fresh);
    if (isMain) {
      this.#client._sender = fresh;
      // As client.connect() does: the first request of the new connection initializes it, which also tells
      // Telegram to deliver updates there again.
      void ready.then(() => initConnection(this.#client, fresh)).catch(() => {});
    } else {
      this.#client._exportedSenderPromises.set(dcId, ready);
    }
  }

  /** The bot is logged out: every call in flight fails with `err`, and so does every later one. */
  revoked(err: AuthRevoked): void {
    if (this.#closed || this.#revoked) return;
    this.#revoked = err;
    for (const dcId of [...this.#calls.keys()]) this.failCalls(dcId, err);
  }

  /** The home DC answered -404 for the session's key: nothing can succeed until the bot logs in again. */
  homeKeyForgotten(sender: Sender): void {
    const err = AuthRevoked.homeKeyForgotten(sender._dcId);
    rejectQueued(sender, err);
    this.revoked(err);
  }

  /** An explicit disconnect (stop, a dropped download sender): it no longer counts towards its DC's link. */
  disconnected(sender: Sender): void {
    const dcId = this.#lost.get(sender);
    if (dcId === undefined) return;
    this.#lost.delete(sender);
    this.#recompute(dcId);
  }

  #senderLost(sender: Sender, why: string): void {
    const dcId: number = sender._dcId;
    this.#lost.set(sender, dcId);
    if (this.#down.has(dcId)) return;
    this.#down.add(dcId);
    this.failCalls(dcId, new LinkDown(dcId, why));
    this.#report(dcId, 'down');
  }

  #senderUp(sender: Sender): void {
    const dcId: number = sender._dcId;
    this.#lost.delete(sender);
    this.#recompute(dcId);
  }

  #recompute(dcId: number): void {
    if (!this.#down.has(dcId)) return;
    for (const dc of this.#lost.values()) if (dc === dcId) return;
    this.#down.delete(dcId);
    this.#report(dcId, 'up');
  }

  #report(dcId: number, state: LinkState): void {
    if (this.#closed) return;
    try {
      this.#onChange({ dcId, state });
    } catch {
      // A reporting failure must not break reconnection.
    }
  }

  #delay(attempt: number): number {
    const base = Math.min(this.#maxDelayMs, this.#minDelayMs * 2 ** attempt);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }
}

/** One connection attempt, without gramjs's retry loop, sleeps and console output. */
async function connectOnce(sender: Sender, connection: any): Promise<void> {
  sender._connection = connection;
  sender.isConnecting = true;
  sender._finishedConnecting = false;
  try {
    await sender._connect();
  } catch (err) {
    await connection.disconnect?.().catch(() => {});
    throw err;
  } finally {
    sender.isConnecting = false;
  }
  sender._finishedConnecting = true;
  sender._updateCallback?.(sender._client, new UpdateConnectionState(UpdateConnectionState.connected));
}

function initConnection(client: Client, sender: Sender): Promise<unknown> {
  client._initRequest.query = new Api.help.GetConfig();
  return sender.send(new Api.InvokeWithLayer({ layer: LAYER, query: client._initRequest }));
}

/** A new connection object like `connection` (gramjs does not reuse one after a failure either). */
function freshConnection(sender: Sender, connection: any): any {
  return new connection.constructor({
    ip: connection._ip,
    port: connection._port,
    dcId: connection._dcId ?? sender._dcId,
    loggers: connection._log,
    proxy: connection._proxy,
    testServers: connection._testServers,
    socket: sender._client.networkSocket,
  });
}

/** A sender like `old`, on the same auth key, with a fresh MTProto state and no queued requests. */
function replacementOf(old: Sender): Sender {
  const fresh = new MTProtoSender(old.authKey, {
    logger: old._log,
    dcId: old._dcId,
    retries: old._retries,
    delay: old._delay,
    autoReconnect: old._autoReconnect,
    connectTimeout: old._connectTimeout,
    authKeyCallback: old._authKeyCallback,
    updateCallback: old._updateCallback,
    autoReconnectCallback: old._autoReconnectCallback,
    isMainSender: old._isMainSender,
    senderCallback: old._senderCallback,
    client: old._client,
    onConnectionBreak: old._onConnectionBreak,
    securityChecks: old._securityChecks,
    _exportedSenderPromises: old._exportedSenderPromises,
    reconnectRetries: old._reconnectRetries,
  });
  // Already authorized on this DC (imported, or the home login): no new export/import for the replacement.
  fresh._authenticated = old._authenticated;
  return fresh;
}

/** Rejects every request queued or awaiting an answer on `sender`, so none waits and none is resent later. */
function rejectQueued(sender: Sender, err: Error): void {
  const states = new Set<any>([...(sender._sendQueue?._pendingStates ?? []), ...(sender._pendingState?.values() ?? [])]);
  sender._pendingState?.clear();
  sender._sendQueue?.clear();
  for (const state of states) {
    state.promise?.catch(() => {});
    state.reject?.(err);
  }
}

let patched = false;

/** Routes the sender methods of watched clients through their LinkHealth; other clients keep gramjs's behaviour. */
function patchSenderClass(): void {
  if (patched) return;
  patched = true;
  const proto = MTProtoSender.prototype;
  const { connect, reconnect, disconnect, _handleBadAuthKey } = proto;
  proto.connect = function (this: Sender, connection: unknown, force: boolean) {
    const health = watched.get(this._client);
    return health ? health.connect(this, connection, force) : connect.call(this, connection, force);
  };
  proto.reconnect = function (this: Sender) {
    const health = watched.get(this._client);
    return health ? health.lost(this, 'the connection was closed') : reconnect.call(this);
  };
  proto.disconnect = function (this: Sender) {
    watched.get(this._client)?.disconnected(this);
    return disconnect.call(this);
  };
  proto._handleBadAuthKey = function (this: Sender, shouldSkipForMain = false) {
    const health = watched.get(this._client);
    if (health && this._isMainSender && !shouldSkipForMain) health.homeKeyForgotten(this);
    return _handleBadAuthKey.call(this, shouldSkipForMain);
  };
}
