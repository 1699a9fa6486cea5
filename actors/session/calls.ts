// The session's way to Telegram: the current gramjs client, and requests that fail fast while their DC is down.
import type { Api, TelegramClient } from 'telegram';
import { RpcError } from '../errors.ts';
import { invokeOnce } from './invoke.ts';
import type { LinkHealth } from './link-health.ts';

export class SessionCalls {
  #client: TelegramClient | undefined;
  #link: LinkHealth | undefined;

  attach(client: TelegramClient, link: LinkHealth): void {
    this.#client = client;
    this.#link = link;
  }

  /** Forgets the client (stop, or a login that starts over); calls made afterwards fail as not started. */
  detach(): { client?: TelegramClient; link?: LinkHealth } {
    const out = { client: this.#client, link: this.#link };
    this.#client = undefined;
    this.#link = undefined;
    return out;
  }

  client(): TelegramClient {
    if (!this.#client) throw new RpcError('SESSION_NOT_STARTED', 'start() must complete first', { retryable: true, sessionFault: true });
    return this.#client;
  }

  link(): LinkHealth {
    this.client();
    return this.#link!;
  }

  get homeDc(): number {
    return this.link().homeDc;
  }

  /** A request to the bot's home DC. */
  home<R extends Api.AnyRequest>(request: R): Promise<R['__response']> {
    const client = this.client();
    const link = this.#link!;
    return link.run(link.homeDc, () => invokeOnce(client, request));
  }

  /** A request on the download sender of `dcId` (its own connection, also for the home DC). */
  onDc<R extends Api.AnyRequest>(dcId: number, request: R): Promise<R['__response']> {
    const client = this.client();
    return this.#link!.run(dcId, () => invokeOnce(client, request, dcId));
  }
}
