// Wire framing of the test MongoDB server: decoding a client's OP_MSG (and the legacy OP_QUERY handshake the driver
// opens with) into one command document, and encoding the reply as OP_MSG or OP_REPLY.
// https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/

import { BSON, type Document } from 'bson';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const CHECKSUM_PRESENT = 1;
const MORE_TO_COME = 2;
export const MAX_WIRE_VERSION = 21; // MongoDB 7.0

export interface WireRequest {
  requestId: number;
  /** The body with each document sequence folded in as the array field it stands for. */
  command: Document;
  /** OP_REPLY answers a legacy OP_QUERY; null when the client set moreToCome and expects no answer. */
  replyAs: 'opMsg' | 'opReply' | null;
}

/** One complete message (length prefix included); null for an opcode this server does not speak. */
export function decodeRequest(message: Buffer): WireRequest | null {
  const requestId = message.readInt32LE(4);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_QUERY) {
    // Legacy handshake: flags, cstring namespace, skip, return, then the command document.
    const nsEnd = message.indexOf(0, 20);
    const command = BSON.deserialize(message.subarray(nsEnd + 9));
    return { requestId, command, replyAs: 'opReply' };
  }
  if (opCode !== OP_MSG) return null;
  const flags = message.readUInt32LE(16);
  const end = message.length - (flags & CHECKSUM_PRESENT ? 4 : 0);
  let body: Document | null = null;
  const sequences: Record<string, Document[]> = {};
  for (let at = 20; at < end;) {
    const kind = message[at]!;
    at += 1;
    const size = message.readInt32LE(at);
    if (kind === 0) {
      body = BSON.deserialize(message.subarray(at, at + size));
    } else {
      // Kind 1: a document sequence (size, cstring identifier, documents) standing for one array field of the body.
      const idEnd = message.indexOf(0, at + 4);
      const id = message.toString('utf8', at + 4, idEnd);
      const docs: Document[] = [];
      for (let d = idEnd + 1; d < at + size;) {
        const dsize = message.readInt32LE(d);
        docs.push(BSON.deserialize(message.subarray(d, d + dsize)));
        d += dsize;
      }
      sequences[id] = docs;
    }
    at += size;
  }
  return { requestId, command: { ...body, ...sequences }, replyAs: flags & MORE_TO_COME ? null : 'opMsg' };
}

export function encodeReply(replyAs: 'opMsg' | 'opReply', requestId: number, responseTo: number, doc: Document): Buffer {
  return replyAs === 'opMsg' ? encodeOpMsg(requestId, responseTo, doc) : encodeOpReply(requestId, responseTo, doc);
}

function encodeOpMsg(requestId: number, responseTo: number, doc: Document): Buffer {
  const fields = Buffer.alloc(5);
  fields.writeUInt32LE(0, 0); // flagBits
  fields[4] = 0; // section kind 0: the body document follows
  return frame(OP_MSG, requestId, responseTo, fields, BSON.serialize(doc));
}

function encodeOpReply(requestId: number, responseTo: number, doc: Document): Buffer {
  const fields = Buffer.alloc(20);
  fields.writeInt32LE(0, 0); // responseFlags
  fields.writeBigInt64LE(0n, 4); // cursorID
  fields.writeInt32LE(0, 12); // startingFrom
  fields.writeInt32LE(1, 16); // numberReturned
  return frame(OP_REPLY, requestId, responseTo, fields, BSON.serialize(doc));
}

/** The standard 16-byte header (messageLength, requestID, responseTo, opCode), then the opcode's own fields. */
function frame(opCode: number, requestId: number, responseTo: number, fields: Buffer, bson: Uint8Array): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + fields.length + bson.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, fields, bson]);
}
