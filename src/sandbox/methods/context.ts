// What a method handler receives, and helpers to resolve the input peers a client sends.
import { badRequest, unauthorized } from '../errors.ts';
import { fromBig, type TLObject } from '../tl.ts';
import type { Connection } from '../connection.ts';
import type { AuthKeyRecord, DcServer } from '../dc.ts';
import type { Sandbox } from '../sandbox.ts';
import type { Account, Channel, Mailbox, StoredMessage, World } from '../world.ts';
import { entitiesFor, messageTl } from '../render.ts';
import { Api } from '../tl.ts';

/** A TL object, a vector of them, a Bool, or already serialized bytes (a Buffer, or parts of one as Buffer[]). */
export type MethodResult = Buffer | Buffer[] | TLObject | TLObject[] | boolean;
export type Handler = (ctx: CallContext, req: TLObject) => MethodResult | Promise<MethodResult>;

export class CallContext {
  /** `msgId`: the message that carried the request (auth.bindTempAuthKey's encrypted_message must repeat it). */
  constructor(readonly sandbox: Sandbox, readonly dc: DcServer, readonly conn: Connection, readonly key: AuthKeyRecord, readonly msgId = 0n) {}

  get world(): World {
    return this.sandbox.world;
  }

  /** The authorized account, or 401 AUTH_KEY_UNREGISTERED as Telegram answers before login. */
  me(): Account {
    if (this.key.userId === undefined) throw unauthorized();
    return this.world.account(this.key.userId);
  }

  user(input: TLObject): Account {
    const me = this.me();
    switch (input.className) {
      case 'InputUserSelf':
      case 'InputPeerSelf':
        return me;
      case 'InputUser':
      case 'InputPeerUser': {
        const a = this.world.accounts.get(fromBig(input.userId));
        if (!a || (fromBig(input.accessHash) !== a.accessHash && fromBig(input.accessHash) !== 0n)) throw badRequest('USER_ID_INVALID');
        return a;
      }
      default:
        throw badRequest('USER_ID_INVALID');
    }
  }

  /** A channel the caller may read: bots can't see channels they are not members of. */
  channel(input: TLObject): Channel {
    const me = this.me();
    if (!['InputChannel', 'InputPeerChannel'].includes(input.className)) throw badRequest('CHANNEL_INVALID');
    const c = this.world.channels.get(fromBig(input.channelId));
    if (!c) throw badRequest('CHANNEL_INVALID');
    const hash = fromBig(input.accessHash);
    // Bots may address channels they belong to with access_hash 0 ("min" peers); anything else must match.
    if (hash !== c.accessHash && !(hash === 0n && me.bot && c.members.has(me.id))) throw badRequest('CHANNEL_INVALID');
    if (!c.members.has(me.id)) throw badRequest('CHANNEL_PRIVATE');
    return c;
  }

  peer(input: TLObject): { kind: 'user'; account: Account } | { kind: 'channel'; channel: Channel } {
    if (input.className === 'InputPeerChannel' || input.className === 'InputChannel') return { kind: 'channel', channel: this.channel(input) };
    if (['InputPeerUser', 'InputPeerSelf', 'InputUser', 'InputUserSelf'].includes(input.className)) return { kind: 'user', account: this.user(input) };
    throw badRequest('PEER_ID_INVALID');
  }
}

/** Message ids from a request's Vector<InputMessage> (or plain ints); anything else can match no message. */
export function messageIds(ids: TLObject[]): number[] {
  return ids.map((i: any) => (typeof i === 'number' ? i : i.className === 'InputMessageID' ? i.id : -1));
}

/** The messages of one box by id, as the viewer sees them (messageEmpty for missing ids), with their entities. */
export function listMessages(world: World, box: Mailbox, ids: TLObject[], viewerId: bigint): { messages: TLObject[]; present: StoredMessage[]; users: TLObject[]; chats: TLObject[] } {
  const found = messageIds(ids).map((id) => ({ id, m: box.messages.get(id) }));
  const present = found.flatMap((f) => (f.m ? [f.m] : []));
  const { users, chats } = entitiesFor(world, present, viewerId);
  const messages = found.map((f) => (f.m ? messageTl(world, f.m, viewerId) : new (Api as any).MessageEmpty({ id: f.id })));
  return { messages, present, users, chats };
}
