// One cache of fetched blocks for every stream of the process, so concurrent viewers of a file share its blocks and
// a popular video costs Telegram about one read, not one per viewer.
//
// - Single flight: a block being fetched is joined, not fetched again. The shared fetch runs as long as one lease
//   wants it, at the most urgent priority among them; when the last lease is released it is aborted.
// - Bounded: every block the cache holds (in flight, waiting for a consumer, or kept for the next viewer) holds its
//   bytes of the shared ByteBudget, so in-flight and cached bytes together never pass the read-ahead budget. Blocks
//   no lease holds are kept in LRU order up to `maxBytes` and evicted first when a fetch needs budget.
// - Kept for a next viewer only where one may come: a block that only the file's one open stream ever read is kept
//   among the last few MiB of such blocks (a player's next request often re-reads a little), not in the whole cache,
//   so one viewer's download does not fill the process's memory with blocks nobody else asks for.
// - No copies: a lease resolves a view on the fetched ArrayBuffer, also when the block lies inside a larger cached
//   one. Blocks are never written after they arrive, so a consumer's view stays right after eviction: eviction only
//   drops the cache's reference.
import type { BlockRequest } from '../../actors/session/protocol.ts';
import type { ByteBudget } from './byte-budget.ts';
import { MAX_BLOCK_SIZE } from './block-plan.ts';

/** How soon a block is needed: 0 the first block of a stream, 1 the block its consumer needs next, 2 read-ahead. */
export type FetchPriority = 0 | 1 | 2;

/** How a fetch competes with other streams' fetches (see the supervisor's JobHints and fair-queue.ts). */
export interface FetchHints {
  /** One object per stream: the scheduler shares sessions fairly between owners. */
  owner: object;
  /** Read at every scheduling decision: a read-ahead block becomes 1 when the consumer catches up with it. */
  priority: () => FetchPriority;
}

/** Fetches one block; resolves its bytes (short at the end of the file). */
export type BlockFetcher = (req: BlockRequest, signal: AbortSignal, hints: FetchHints) => Promise<ArrayBuffer>;

export interface BlockLease {
  /** The bytes of the leased block: a view, possibly inside a larger cached block. */
  readonly ready: Promise<Uint8Array>;
  /**
   * Done with the block. Before `ready` settles this withdraws the lease from the shared fetch (aborted when no lease
   * is left); after, the block becomes evictable, or with `discard` (bytes found wrong) is dropped once no other
   * lease holds it. Idempotent.
   */
  release(discard?: boolean): void;
}

export interface BlockCacheStats {
  /** Blocks held (fetched and in flight). */
  blocks: number;
  /** Fetches started and not yet settled (an aborted fetch counts until its promise settles). */
  fetching: number;
  /** Bytes of fetched blocks that a lease holds (waiting for or read by a consumer). */
  leasedBytes: number;
  /** Bytes of fetched blocks no lease holds: kept for the next viewer, evicted first. */
  keptBytes: number;
  maxKeptBytes: number;
  hits: number;
  joins: number;
  misses: number;
  evictions: number;
}

interface Lease {
  priority: () => FetchPriority;
  /** Where the leased block starts in the entry's block, and its limit. */
  start: number;
  limit: number;
  /** Set by the cache as it settles the lease, so release() knows what to give back. */
  status: 'waiting' | 'holding' | 'done';
  resolve(view: Uint8Array): void;
  reject(err: unknown): void;
}

interface Entry {
  readonly key: string;
  readonly req: BlockRequest;
  /** Budget bytes this entry holds (its limit). */
  readonly cost: number;
  state: 'fetching' | 'done';
  buffer: ArrayBuffer | undefined;
  controller: AbortController | undefined;
  /** Leases waiting for the fetch. */
  readonly waiting: Set<Lease>;
  /** Leases holding the fetched block. */
  holders: number;
  /** Fetched, held by no lease, counted in the kept bytes: evictable. */
  kept: boolean;
  /** Leases ever taken on it (a hit, a join or the first). */
  leases: number;
}

/** Blocks only a file's one open stream read are kept up to this many bytes (within maxBytes). */
export const SOLE_VIEWER_KEPT_BYTES = 8 * 1024 * 1024;

/** Fetches started by any cache and not yet settled. */
let fetchesInFlight = 0;
export const blockCacheFetches = (): number => fetchesInFlight;

const keyOf = (r: BlockRequest): string => `${r.chatId}\u0000${r.messageId}\u0000${r.offset}\u0000${r.limit}`;
const fileKeyOf = (r: Pick<BlockRequest, 'chatId' | 'messageId'>): string => `${r.chatId}\u0000${r.messageId}`;

export class BlockCache {
  readonly #budget: ByteBudget;
  #maxKept: number;
  /** Every entry; Map order is LRU order for kept ones (a hit moves the entry to the end). */
  readonly #entries = new Map<string, Entry>();
  #kept = 0;
  /** Kept blocks only a file's sole stream read, oldest first: evicted past SOLE_VIEWER_KEPT_BYTES. */
  readonly #soleKept = new Set<Entry>();
  #soleKeptBytes = 0;
  /** Open streams per file (openFile). */
  readonly #openStreams = new Map<string, number>();
  #leased = 0;
  #fetching = 0;
  readonly #counts = { hits: 0, joins: 0, misses: 0, evictions: 0 };

  constructor(opts: { budget: ByteBudget; maxBytes: number }) {
    this.#budget = opts.budget;
    this.#maxKept = BlockCache.#checkMax(opts.maxBytes);
  }

  static #checkMax(n: number): number {
    if (!Number.isSafeInteger(n) || n < 0) throw Object.assign(new RangeError('block cache maxBytes must be an integer >= 0'), { code: 'SB_ERR_INVALID_OPTION' });
    return n;
  }

  get budget(): ByteBudget {
    return this.#budget;
  }

  get maxBytes(): number {
    return this.#maxKept;
  }

  /** A new bound for kept blocks; lowering it evicts at once (the memory watcher does, under pressure). */
  set maxBytes(n: number) {
    this.#maxKept = BlockCache.#checkMax(n);
    this.#evictKept(this.#maxKept);
  }

  /**
   * A lease on the block `req`: a cached block (or one containing it), a fetch under way, or a new fetch. Null when
   * a new fetch is needed and the budget has no room even after evicting kept blocks: the caller waits on the budget.
   * `force` takes the budget regardless (a stream's only outstanding block, so no stream can be starved).
   */
  lease(req: BlockRequest, fetch: BlockFetcher, hints: FetchHints, force = false): BlockLease | null {
    const found = this.#find(req);
    if (found) {
      const { entry, start } = found;
      if (entry.state === 'done') {
        this.#counts.hits++;
        entry.leases++;
        this.#hold(entry);
        return this.#heldLease(entry, Promise.resolve(this.#view(entry, start, req.limit)));
      }
      this.#counts.joins++;
      entry.leases++;
      return this.#join(entry, start, req.limit, hints);
    }
    if (!this.#reserve(req.limit, force)) return null;
    this.#counts.misses++;
    const entry: Entry = { key: keyOf(req), req, cost: req.limit, state: 'fetching', buffer: undefined, controller: new AbortController(), waiting: new Set(), holders: 0, kept: false, leases: 1 };
    this.#entries.set(entry.key, entry);
    const lease = this.#join(entry, 0, req.limit, hints);
    this.#start(entry, fetch, hints.owner);
    return lease;
  }

  /**
   * A stream of the file opens: while it is the file's only one, the blocks it alone reads are kept only among the
   * sole-viewer blocks. Returns the close (idempotent).
   */
  openFile(file: Pick<BlockRequest, 'chatId' | 'messageId'>): () => void {
    const key = fileKeyOf(file);
    this.#openStreams.set(key, (this.#openStreams.get(key) ?? 0) + 1);
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const n = this.#openStreams.get(key)! - 1;
      if (n === 0) this.#openStreams.delete(key);
      else this.#openStreams.set(key, n);
    };
  }

  stats(): BlockCacheStats {
    return { blocks: this.#entries.size, fetching: this.#fetching, leasedBytes: this.#leased, keptBytes: this.#kept, maxKeptBytes: this.#maxKept, ...this.#counts };
  }

  /** Drops every kept block (tests, and a memory watcher that wants everything back). */
  clear(): void {
    this.#evictKept(0);
  }

  /** The entry holding `req`: the same block, or a larger aligned one (fetched or being fetched) that contains it. */
  #find(req: BlockRequest): { entry: Entry; start: number } | undefined {
    const exact = this.#entries.get(keyOf(req));
    if (exact) return { entry: exact, start: 0 };
    for (let size = MAX_BLOCK_SIZE; size > req.limit; size /= 2) {
      const offset = Math.floor(req.offset / size) * size;
      const entry = this.#entries.get(keyOf({ ...req, offset, limit: size }));
      if (entry) return { entry, start: req.offset - offset };
    }
    return undefined;
  }

  #reserve(bytes: number, force: boolean): boolean {
    if (this.#budget.tryAcquire(bytes)) return true;
    // Kept blocks give way to blocks someone is waiting for.
    this.#evictKept(Math.max(0, this.#kept - bytes));
    return this.#budget.tryAcquire(bytes, force);
  }

  #start(entry: Entry, fetch: BlockFetcher, owner: object): void {
    // The shared fetch is as urgent as its most urgent lease.
    const hints: FetchHints = {
      owner,
      priority: () => {
        let p: FetchPriority = 2;
        for (const l of entry.waiting) p = Math.min(p, l.priority()) as FetchPriority;
        return p;
      },
    };
    this.#fetching++;
    fetchesInFlight++;
    let job: Promise<ArrayBuffer>;
    try {
      job = fetch(entry.req, entry.controller!.signal, hints);
    } catch (err) {
      job = Promise.reject(err);
    }
    job.then((buffer) => {
      this.#fetching--;
      fetchesInFlight--;
      if (this.#entries.get(entry.key) !== entry || entry.state !== 'fetching') return; // aborted: nothing kept
      entry.state = 'done';
      entry.buffer = buffer;
      entry.controller = undefined;
      const waiting = [...entry.waiting];
      entry.waiting.clear();
      if (!(buffer instanceof ArrayBuffer)) {
        this.#drop(entry);
        const err = new TypeError(`block fetch resolved ${Object.prototype.toString.call(buffer)}, not an ArrayBuffer`);
        for (const l of waiting) this.#settle(l, err);
        return;
      }
      // Held by every waiting lease; kept (evictable) once they are all released.
      for (const l of waiting) {
        this.#hold(entry);
        l.status = 'holding';
        l.resolve(this.#view(entry, l.start, l.limit));
      }
      if (entry.holders === 0) this.#toKept(entry);
    }, (err: unknown) => {
      this.#fetching--;
      fetchesInFlight--;
      if (this.#entries.get(entry.key) !== entry || entry.state !== 'fetching') return;
      const waiting = [...entry.waiting];
      entry.waiting.clear();
      this.#drop(entry);
      for (const l of waiting) this.#settle(l, err);
    });
  }

  #settle(lease: Lease, err: unknown): void {
    lease.status = 'done';
    lease.reject(err);
  }

  /** A lease waiting on a fetch under way. */
  #join(entry: Entry, start: number, limit: number, hints: FetchHints): BlockLease {
    let lease!: Lease;
    const ready = new Promise<Uint8Array>((resolve, reject) => {
      lease = { priority: hints.priority, start, limit, status: 'waiting', resolve, reject };
    });
    // A lease released before its block arrived is rejected with nobody listening: that is not an error.
    ready.catch(() => {});
    entry.waiting.add(lease);
    return {
      ready,
      release: (discard = false) => {
        const was = lease.status;
        lease.status = 'done';
        if (was === 'holding') return this.#unhold(entry, discard);
        if (was !== 'waiting') return;
        entry.waiting.delete(lease);
        if (entry.waiting.size === 0 && entry.state === 'fetching') {
          // Nobody wants it any more: the session's slot goes back now, the budget with it.
          entry.controller?.abort();
          this.#drop(entry);
        }
        lease.reject(Object.assign(new Error('block lease released'), { name: 'AbortError' }));
      },
    };
  }

  #heldLease(entry: Entry, ready: Promise<Uint8Array>): BlockLease {
    let released = false;
    return {
      ready,
      release: (discard = false) => {
        if (released) return;
        released = true;
        this.#unhold(entry, discard);
      },
    };
  }

  #view(entry: Entry, start: number, limit: number): Uint8Array {
    const buffer = entry.buffer!;
    const begin = Math.min(start, buffer.byteLength);
    return new Uint8Array(buffer, begin, Math.min(limit, buffer.byteLength - begin));
  }

  #hold(entry: Entry): void {
    if (entry.kept) {
      entry.kept = false;
      this.#kept -= entry.cost;
      this.#forgetSole(entry);
    }
    if (entry.holders === 0 && entry.state === 'done') this.#leased += entry.cost;
    entry.holders++;
    // Most recently used last.
    this.#entries.delete(entry.key);
    this.#entries.set(entry.key, entry);
  }

  #unhold(entry: Entry, discard = false): void {
    entry.holders--;
    if (entry.holders > 0) return;
    this.#leased -= entry.cost;
    if (this.#entries.get(entry.key) !== entry) return;
    if (discard) this.#drop(entry);
    else this.#toKept(entry);
  }

  #toKept(entry: Entry): void {
    entry.kept = true;
    this.#kept += entry.cost;
    if (entry.leases === 1 && this.#openStreams.get(fileKeyOf(entry.req)) === 1) {
      this.#soleKept.add(entry);
      this.#soleKeptBytes += entry.cost;
      const cap = Math.min(SOLE_VIEWER_KEPT_BYTES, this.#maxKept);
      for (const old of this.#soleKept) {
        if (this.#soleKeptBytes <= cap) break;
        this.#evict(old);
      }
    }
    this.#evictKept(this.#maxKept);
  }

  #forgetSole(entry: Entry): void {
    if (this.#soleKept.delete(entry)) this.#soleKeptBytes -= entry.cost;
  }

  #evict(entry: Entry): void {
    entry.kept = false;
    this.#kept -= entry.cost;
    this.#forgetSole(entry);
    this.#counts.evictions++;
    this.#drop(entry);
  }

  /** Evicts kept blocks, least recently used first, until at most `limit` kept bytes remain. */
  #evictKept(limit: number): void {
    for (const entry of this.#entries.values()) {
      if (this.#kept <= limit) break;
      if (!entry.kept) continue;
      this.#evict(entry);
    }
  }

  /** Forgets an entry and gives its budget back. */
  #drop(entry: Entry): void {
    if (this.#entries.get(entry.key) !== entry) return;
    this.#entries.delete(entry.key);
    entry.state = 'done';
    entry.buffer = undefined;
    entry.controller = undefined;
    this.#budget.release(entry.cost);
  }
}
