// Concurrent viewers per link and per owner. A viewer is one client address watching one link: a player's parallel
// and successive range requests for the same file are one viewer, not many. A viewer stays counted for a short while
// after its last request ends, because players fetch in bursts (a seek, the next buffer) and must not lose their
// place to a newcomer between two of them. Counts live in this process: each instance enforces its own caps.

export const DEFAULT_VIEWER_LINGER_MS = 30_000;

export interface ViewerCapsOptions {
  /** Viewers of one link at once; 0 = no cap. */
  perLink: number;
  /** Viewers of all of one owner's links at once; 0 = no cap. */
  perUser: number;
  /** How long a viewer stays counted after its last request ended; default 30 s. */
  lingerMs?: number;
  now?: () => number;
}

export type ViewerEntry =
  | { allowed: true; /** Ends this request's hold on the viewer; idempotent. */ release: () => void }
  | { allowed: false; scope: 'link' | 'user'; limit: number; message: string };

interface Viewer {
  linkId: string;
  ownerId: string;
  /** Requests in flight. */
  holds: number;
  /** When the last hold ended (meaningful when holds is 0). */
  leftAt: number;
}

export class ViewerCaps {
  readonly #perLink: number;
  readonly #perUser: number;
  readonly #lingerMs: number;
  readonly #now: () => number;
  readonly #viewers = new Map<string, Viewer>();
  readonly #byLink = new Map<string, Set<string>>();
  readonly #byOwner = new Map<string, Set<string>>();
  #sweptAt = 0;

  constructor(o: ViewerCapsOptions) {
    for (const name of ['perLink', 'perUser'] as const) {
      if (!Number.isSafeInteger(o[name]) || o[name] < 0) throw new RangeError(`ViewerCaps ${name} must be a non-negative integer (0 = no cap), got ${String(o[name])}`);
    }
    this.#perLink = o.perLink;
    this.#perUser = o.perUser;
    this.#lingerMs = o.lingerMs ?? DEFAULT_VIEWER_LINGER_MS;
    this.#now = o.now ?? Date.now;
  }

  /** Admits one request of `clientIp` for `linkId` (owned by `ownerId`), or says which cap refuses it. */
  tryEnter(linkId: string, ownerId: string | number, clientIp: string): ViewerEntry {
    const owner = String(ownerId);
    const key = `${linkId}\n${clientIp}`;
    this.#sweep();
    let viewer = this.#viewers.get(key);
    if (viewer !== undefined && this.#expired(viewer)) {
      // Gone long enough to be a new viewer: it takes its place again like anyone else.
      this.#drop(key);
      viewer = undefined;
    }
    if (viewer === undefined) {
      if (this.#perLink > 0 && this.#count(this.#byLink, linkId) >= this.#perLink) {
        return { allowed: false, scope: 'link', limit: this.#perLink, message: `This link already has ${this.#perLink} viewers. Try again in a few minutes.` };
      }
      if (this.#perUser > 0 && this.#count(this.#byOwner, owner) >= this.#perUser) {
        return { allowed: false, scope: 'user', limit: this.#perUser, message: `The files of the person who shared this link already have ${this.#perUser} viewers. Try again in a few minutes.` };
      }
      viewer = { linkId, ownerId: owner, holds: 0, leftAt: 0 };
      this.#viewers.set(key, viewer);
      add(this.#byLink, linkId, key);
      add(this.#byOwner, owner, key);
    }
    viewer.holds++;
    const held = viewer;
    let released = false;
    return {
      allowed: true,
      release: () => {
        if (released) return;
        released = true;
        held.holds--;
        if (held.holds === 0) held.leftAt = this.#now();
      },
    };
  }

  /** Viewers counted now (in flight or lingering) of a link, or of an owner's links. */
  viewers(of: { linkId: string } | { ownerId: string | number }): number {
    this.#sweep(true);
    return 'linkId' in of ? this.#count(this.#byLink, of.linkId) : this.#count(this.#byOwner, String(of.ownerId));
  }

  /** Viewers tracked, lingering ones included (0 when idle long enough; anything else is a leak). */
  get size(): number {
    return this.#viewers.size;
  }

  #count(index: Map<string, Set<string>>, id: string): number {
    const keys = index.get(id);
    if (keys === undefined) return 0;
    for (const key of keys) if (this.#expired(this.#viewers.get(key)!)) this.#drop(key);
    return index.get(id)?.size ?? 0;
  }

  #expired(v: Viewer): boolean {
    return v.holds === 0 && this.#now() - v.leftAt >= this.#lingerMs;
  }

  /** Drops viewers gone longer than the linger time; a full pass at most once per linger time. */
  #sweep(force = false): void {
    const now = this.#now();
    if (!force && now - this.#sweptAt < this.#lingerMs) return;
    this.#sweptAt = now;
    for (const [key, v] of this.#viewers) if (this.#expired(v)) this.#drop(key);
  }

  #drop(key: string): void {
    const v = this.#viewers.get(key);
    if (v === undefined) return;
    this.#viewers.delete(key);
    remove(this.#byLink, v.linkId, key);
    remove(this.#byOwner, v.ownerId, key);
  }
}

function add(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id);
  if (keys) keys.add(key);
  else index.set(id, new Set([key]));
}

function remove(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id);
  if (keys === undefined) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(id);
}
