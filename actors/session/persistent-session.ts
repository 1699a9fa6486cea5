// A gramjs session that also keeps the auth keys of the other DCs this bot downloads from, once authorized there.
// gramjs's StringSession forgets them, so every process start costs an auth.exportAuthorization +
// auth.importAuthorization per DC, and frequent restarts earn FLOOD_WAITs on those. gramjs skips the export when a
// sender starts with a key it already has, so handing back the saved key is enough.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { StringSession } = require('telegram/sessions') as typeof import('telegram/sessions/index.js');
const { AuthKey } = require('telegram/crypto/AuthKey') as typeof import('telegram/crypto/AuthKey.js');
type AuthKeyT = InstanceType<typeof AuthKey>;

interface SavedForm {
  v: 2;
  /** gramjs StringSession of the home DC. */
  main: string;
  /** dcId → base64 auth key, only for DCs where the authorization was imported. */
  dcs: Record<string, string>;
}

/** Accepts our saved form or a plain gramjs string session (so an existing session string can be reused). */
export function parseSaved(saved: string | undefined): { main: string; dcs: Map<number, Buffer> } {
  const dcs = new Map<number, Buffer>();
  if (!saved) return { main: '', dcs };
  if (!saved.startsWith('{')) return { main: saved, dcs };
  const form = JSON.parse(saved) as SavedForm;
  if (form.v !== 2 || typeof form.main !== 'string') throw new TypeError('unrecognised saved session');
  for (const [dc, key] of Object.entries(form.dcs ?? {})) {
    const id = Number(dc);
    if (Number.isInteger(id) && id > 0 && typeof key === 'string') dcs.set(id, Buffer.from(key, 'base64'));
  }
  return { main: form.main, dcs };
}

export class PersistentSession extends StringSession {
  /** Keys for other DCs, authorized or not yet. */
  readonly #keys = new Map<number, AuthKeyT>();
  readonly #authorized = new Set<number>();
  readonly #raw: Map<number, Buffer>;

  constructor(saved?: string) {
    const { main, dcs } = parseSaved(saved);
    super(main);
    this.#raw = dcs;
  }

  override async load(): Promise<void> {
    await super.load();
    for (const [dc, raw] of this.#raw) {
      const key = new AuthKey();
      await key.setKey(raw);
      this.#keys.set(dc, key);
      this.#authorized.add(dc);
    }
  }

  override getAuthKey(dcId?: number): AuthKeyT | undefined {
    if (dcId && dcId !== this.dcId) return this.#keys.get(dcId);
    return super.getAuthKey(dcId);
  }

  override setAuthKey(authKey?: AuthKeyT, dcId?: number): undefined {
    if (dcId && dcId !== this.dcId) {
      // A new key is not authorized yet; gramjs imports the authorization right after and we learn of success later.
      this.#authorized.delete(dcId);
      if (authKey) this.#keys.set(dcId, authKey);
      else this.#keys.delete(dcId);
      return undefined;
    }
    return super.setAuthKey(authKey, dcId);
  }

  /** Records that a request on `dcId` succeeded with the current key; returns true when that is news worth saving. */
  markAuthorized(dcId: number): boolean {
    if (dcId === this.dcId || this.#authorized.has(dcId) || !this.#keys.get(dcId)?.getKey()) return false;
    this.#authorized.add(dcId);
    return true;
  }

  /** The saved key of `dcId` was refused: forget it, so the next sender makes a new one and imports again. */
  forget(dcId: number): void {
    this.#authorized.delete(dcId);
    this.#keys.delete(dcId);
  }

  /** Everything worth keeping, as one string for the store. Empty until logged in. */
  saveAll(): string {
    const main = this.save();
    if (!main) return '';
    const dcs: Record<string, string> = {};
    for (const dc of this.#authorized) {
      const key = this.#keys.get(dc)?.getKey();
      if (key) dcs[String(dc)] = key.toString('base64');
    }
    return JSON.stringify({ v: 2, main, dcs } satisfies SavedForm);
  }
}
