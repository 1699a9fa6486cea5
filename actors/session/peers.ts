// Chat ids as they cross the RPC boundary (user ids, "-100<id>" channels) turned into gramjs input peers.
import { createRequire } from 'node:module';
import { RpcError } from '../errors.ts';
import type { SessionCalls } from './calls.ts';

const require = createRequire(import.meta.url);
const { Api } = require('telegram') as typeof import('telegram');

/** Log-channel ids arrive as Bot API style "-100<id>" or as the bare channel id. */
export function channelIdOf(chatId: string): bigint {
  const s = chatId.startsWith('-100') ? chatId.slice(4) : chatId.replace(/^-/, '');
  if (!/^\d+$/.test(s)) throw new RpcError('CHANNEL_INVALID', `not a channel id: ${chatId}`, { rpcCode: 400 });
  return BigInt(s);
}

export class Peers {
  readonly #channels = new Map<string, InstanceType<typeof Api.InputChannel>>();

  constructor(private readonly calls: SessionCalls) {}

  async inputChannel(chatId: string): Promise<InstanceType<typeof Api.InputChannel>> {
    const cached = this.#channels.get(chatId);
    if (cached) return cached;
    const id = channelIdOf(chatId);
    // Bots may name a channel they belong to with access_hash 0; the answer carries the real hash.
    const res = (await this.calls.home(new Api.channels.GetChannels({ id: [new Api.InputChannel({ channelId: id as any, accessHash: 0 as any })] }))) as InstanceType<typeof Api.messages.Chats>;
    const chat = res.chats[0] as InstanceType<typeof Api.Channel>;
    const input = new Api.InputChannel({ channelId: chat.id, accessHash: chat.accessHash! });
    this.#channels.set(chatId, input);
    return input;
  }

  /** A user (by id, from the entity cache the updates filled) or a channel ("-100<id>") as an input peer. */
  async inputPeer(chatId: string): Promise<any> {
    if (chatId.startsWith('-')) {
      const ch = await this.inputChannel(chatId);
      return new Api.InputPeerChannel({ channelId: ch.channelId, accessHash: ch.accessHash });
    }
    if (!/^\d+$/.test(chatId)) throw new RpcError('PEER_ID_INVALID', `not a chat id: ${chatId}`, { rpcCode: 400 });
    try {
      return await this.calls.client().getInputEntity(BigInt(chatId) as any);
    } catch {
      return new Api.InputPeerUser({ userId: BigInt(chatId) as any, accessHash: 0 as any });
    }
  }
}
