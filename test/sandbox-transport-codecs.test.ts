// The sandbox's transport codecs (src/sandbox/transports/) against the client side of test/support/mtproto-wire.ts,
// with every stream fed one byte at a time, as TCP may split it anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ByteQueue } from '../src/sandbox/transports/byte-queue.ts';
import { AbridgedCodec } from '../src/sandbox/transports/abridged.ts';
import { IntermediateCodec } from '../src/sandbox/transports/intermediate.ts';
import { PaddedIntermediateCodec, stripPadding } from '../src/sandbox/transports/padded-intermediate.ts';
import { FullCodec } from '../src/sandbox/transports/full.ts';
import { ServerTransport, TransportError, quickAckToken } from '../src/sandbox/transports/detect.ts';
import type { TransportCodec } from '../src/sandbox/transports/codec.ts';
import { Inbox, WIRE_TRANSPORTS, clientCodec, obfuscationHeader, plainMessage, type ServerFrame, type WireTransport } from './support/mtproto-wire.ts';

const SERVER_CODECS: Record<WireTransport, () => TransportCodec> = {
  abridged: () => new AbridgedCodec(),
  intermediate: () => new IntermediateCodec(),
  'padded-intermediate': () => new PaddedIntermediateCodec(),
  full: () => new FullCodec(),
};

/** Payloads shaped like MTProto's (padded intermediate needs that to find its padding): plain and encrypted, short and long. */
function samplePayloads(): Buffer[] {
  const encrypted = (blocks: number) => Buffer.concat([randomBytes(8).fill(7, 0, 1), randomBytes(16), randomBytes(16 * blocks)]);
  return [
    plainMessage(randomBytes(20)),
    encrypted(2),
    encrypted(40), // 664 bytes: abridged's 4-byte length form (≥ 127 words)
    plainMessage(randomBytes(1000)),
    encrypted(1),
  ];
}

function feedByteByByte(feed: (b: Buffer) => Buffer[], stream: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) out.push(...feed(stream.subarray(i, i + 1)));
  return out;
}

test('ByteQueue: peek and take across chunks, skip whole and partial chunks', () => {
  const q = new ByteQueue();
  q.push(Buffer.from([1, 2]));
  q.push(Buffer.alloc(0));
  q.push(Buffer.from([3]));
  q.push(Buffer.from([4, 5, 6]));
  assert.equal(q.length, 6);
  assert.deepEqual([...q.peek(4)], [1, 2, 3, 4]);
  assert.equal(q.length, 6);
  assert.deepEqual([...q.take(3)], [1, 2, 3]);
  q.skip(2);
  assert.deepEqual([...q.take(1)], [6]);
  assert.equal(q.length, 0);
  assert.throws(() => q.peek(1), RangeError);
});

for (const transport of WIRE_TRANSPORTS) {
  test(`${transport} codec: client packets split byte by byte decode to the payloads; the quick-ack bit is seen where the transport has one`, () => {
    const server = SERVER_CODECS[transport]();
    const client = clientCodec(transport);
    const payloads = samplePayloads();
    const hasQuickAck = transport !== 'full';
    const asks = payloads.map((_, i) => hasQuickAck && i % 2 === 1);
    const stream = Buffer.concat(payloads.map((p, i) => client.encode(p, { quickAck: asks[i] })));
    const bytes = new ByteQueue();
    const quickAcks = new WeakSet<Buffer>();
    const got = feedByteByByte((b) => {
      bytes.push(b);
      const out: Buffer[] = [];
      server.decode(bytes, out, quickAcks);
      return out;
    }, stream);
    assert.deepEqual(got, payloads);
    assert.deepEqual(got.map((p) => quickAcks.has(p)), asks);
    assert.equal(bytes.length, 0);
  });

  test(`${transport} codec: server frames, quick acks and transport errors read back on the client side, byte by byte`, () => {
    const server = SERVER_CODECS[transport]();
    const client = clientCodec(transport);
    const payloads = samplePayloads();
    const expected: ServerFrame[] = [];
    const wire: Buffer[] = [];
    for (const p of payloads) {
      wire.push(...server.frame([p.subarray(0, 8), p.subarray(8, 20), p.subarray(20)]));
      expected.push({ kind: 'payload', payload: p });
      if (server.quickAck) {
        const token = quickAckToken(randomBytes(32));
        wire.push(server.quickAck(token));
        expected.push({ kind: 'quickAck', token });
      }
    }
    wire.push(...server.errorFrame(-429));
    expected.push({ kind: 'error', code: -429 });
    wire.push(...server.errorFrame(-404));
    expected.push({ kind: 'error', code: -404 });

    const inbox = new Inbox();
    const got: ServerFrame[] = [];
    for (const byte of Buffer.concat(wire)) {
      inbox.push(Buffer.from([byte]));
      for (let f = client.decode(inbox); f; f = client.decode(inbox)) got.push(f);
    }
    // Padded intermediate adds up to 15 bytes after a payload: the client finds the message's end inside it.
    const trimmed = got.map((f) => (f.kind === 'payload' ? { kind: 'payload', payload: stripPadding(f.payload) } : f));
    assert.deepEqual(trimmed, expected);
    assert.equal(inbox.length, 0);
  });
}

test('quickAckToken: the first 32 bits of msg_key_large, little-endian, with the top bit set', () => {
  const large = Buffer.alloc(32);
  large.writeUInt32LE(0x12345678, 0);
  assert.equal(quickAckToken(large), 0x92345678);
  large.writeUInt32LE(0xfedcba98, 0);
  assert.equal(quickAckToken(large), 0xfedcba98);
});

test('abridged quick ack is byte-swapped, intermediate as is, padded intermediate behind 0xffffffff; full has none', () => {
  assert.deepEqual([...new AbridgedCodec().quickAck(0x81020304)], [0x81, 0x02, 0x03, 0x04]);
  assert.deepEqual([...new IntermediateCodec().quickAck(0x81020304)], [0x04, 0x03, 0x02, 0x81]);
  const padded = new PaddedIntermediateCodec().quickAck(0x81020304);
  assert.equal(padded.readUInt32LE(0), padded.length - 4);
  assert.ok(padded.length >= 12 && padded.length < 16);
  assert.equal(padded.readUInt32LE(4), 0xffffffff);
  assert.equal(padded.readUInt32LE(8), 0x81020304);
  assert.equal((new FullCodec() as TransportCodec).quickAck, undefined);
});

test('transport errors are the code as a 4-byte payload in each framing', () => {
  assert.deepEqual(Buffer.concat(new AbridgedCodec().errorFrame(-404)), Buffer.from([0x01, 0x6c, 0xfe, 0xff, 0xff]));
  assert.deepEqual(Buffer.concat(new IntermediateCodec().errorFrame(-404)), Buffer.from([0x04, 0, 0, 0, 0x6c, 0xfe, 0xff, 0xff]));
  for (let i = 0; i < 50; i++) {
    const padded = Buffer.concat(new PaddedIntermediateCodec().errorFrame(-404));
    const length = padded.readUInt32LE(0);
    assert.equal(length, padded.length - 4);
    assert.ok(length >= 4 && length < 12, `padded error of ${length} bytes`);
    assert.equal(padded.readInt32LE(4), -404);
  }
  const full = Buffer.concat(new FullCodec().errorFrame(-404));
  assert.equal(full.readInt32LE(0), 16);
  assert.equal(full.readInt32LE(8), -404);
});

test('full codec: a bad checksum, a skipped seqno or an impossible length is a TransportError', () => {
  const good = clientCodec('full');
  const decode = (stream: Buffer) => {
    const q = new ByteQueue();
    q.push(stream);
    (new FullCodec() as TransportCodec).decode(q, [], new WeakSet());
  };
  const packet = good.encode(plainMessage(randomBytes(20)));
  const badCrc = Buffer.from(packet);
  badCrc[badCrc.length - 1]! ^= 1;
  assert.throws(() => decode(badCrc), (e: unknown) => e instanceof TransportError && /checksum/.test(e.message));
  const skipped = Buffer.concat([packet, good.encode(plainMessage(randomBytes(20)))]);
  skipped.writeInt32LE(5, packet.length + 4);
  assert.throws(() => decode(skipped), TransportError);
  assert.throws(() => decode(Buffer.from([8, 0, 0, 0])), /bad packet length 8/);
});

test('abridged and intermediate codecs refuse empty and oversized packets', () => {
  const run = (codec: TransportCodec, bytes: number[]) => {
    const q = new ByteQueue();
    q.push(Buffer.from(bytes));
    codec.decode(q, [], new WeakSet());
  };
  assert.throws(() => run(new AbridgedCodec(), [0x00]), TransportError);
  assert.throws(() => run(new AbridgedCodec(), [0x80]), TransportError); // empty with the quick-ack bit
  assert.throws(() => run(new AbridgedCodec(), [0x7f, 0xff, 0xff, 0xff]), TransportError);
  assert.throws(() => run(new IntermediateCodec(), [0, 0, 0, 0]), TransportError);
  assert.throws(() => run(new IntermediateCodec(), [6, 0, 0, 0]), TransportError);
  assert.throws(() => run(new PaddedIntermediateCodec(), [0, 0, 0x40, 0]), TransportError);
});

test('padded intermediate: the padding is cut where the MTProto payload ends; a plain message longer than its packet is refused', () => {
  const plain = plainMessage(randomBytes(20));
  assert.deepEqual(stripPadding(Buffer.concat([plain, randomBytes(13)])), plain);
  const encrypted = Buffer.concat([Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), randomBytes(16 + 32)]);
  assert.deepEqual(stripPadding(Buffer.concat([encrypted, randomBytes(15)])), encrypted);
  const lying = Buffer.from(plain);
  lying.writeInt32LE(100, 16);
  assert.throws(() => stripPadding(lying), TransportError);
});

const DETECTED: { transport: WireTransport; obfuscated: boolean; name: string }[] = [
  { transport: 'abridged', obfuscated: false, name: 'abridged' },
  { transport: 'intermediate', obfuscated: false, name: 'intermediate' },
  { transport: 'padded-intermediate', obfuscated: false, name: 'padded-intermediate' },
  { transport: 'full', obfuscated: false, name: 'full' },
  { transport: 'abridged', obfuscated: true, name: 'obfuscated abridged' },
  { transport: 'intermediate', obfuscated: true, name: 'obfuscated intermediate' },
  { transport: 'padded-intermediate', obfuscated: true, name: 'obfuscated padded-intermediate' },
];

for (const d of DETECTED) {
  test(`ServerTransport tells ${d.name} from its first bytes, fed one at a time, and answers in the same framing`, () => {
    const client = clientCodec(d.transport);
    const obf = d.obfuscated ? obfuscationHeader(client.obfuscatedTag, -2) : undefined;
    const payloads = samplePayloads();
    const body = Buffer.concat(payloads.map((p, i) => client.encode(p, { quickAck: d.transport !== 'full' && i === 1 })));
    const stream = obf ? Buffer.concat([obf.header, obf.encrypt.update(body)]) : Buffer.concat([client.tag, body]);
    const server = new ServerTransport();
    assert.throws(() => server.frame([Buffer.alloc(4)]), /not known/);
    const got = feedByteByByte((b) => server.push(b), stream);
    assert.equal(server.name, d.name);
    assert.deepEqual(got, payloads);
    assert.deepEqual(got.map((p) => server.quickAckRequested(p)), payloads.map((_, i) => d.transport !== 'full' && i === 1));
    assert.equal(server.obfuscatedDcId, d.obfuscated ? -2 : undefined);

    const answer = plainMessage(randomBytes(40));
    const wire = Buffer.concat([...server.frame([answer]), ...server.quickAck(0x80000001), ...server.errorFrame(-444)]);
    const inbox = new Inbox();
    inbox.push(obf ? obf.decrypt.update(wire) : wire);
    const frames: ServerFrame[] = [];
    for (let f = client.decode(inbox); f; f = client.decode(inbox)) frames.push(f);
    const first = frames[0]!;
    assert.ok(first.kind === 'payload');
    assert.deepEqual(stripPadding(first.payload), answer);
    const rest = d.transport === 'full' ? [{ kind: 'error', code: -444 }] : [{ kind: 'quickAck', token: 0x80000001 }, { kind: 'error', code: -444 }];
    assert.deepEqual(frames.slice(1), rest);
  });
}

test('ServerTransport refuses HTTP, fake TLS and an obfuscation header with an unknown tag', () => {
  assert.throws(() => new ServerTransport().push(Buffer.from('POST /api HTTP/1.1\r\n')), /HTTP/);
  assert.throws(() => new ServerTransport().push(Buffer.from('HEAD / HTTP/1.1\r\n')), /HTTP/);
  assert.throws(() => new ServerTransport().push(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])), /fake TLS/);
  const { header } = obfuscationHeader(Buffer.from([1, 2, 3, 4]));
  const server = new ServerTransport();
  assert.deepEqual(server.push(header.subarray(0, 63)), []);
  assert.throws(() => server.push(header.subarray(63)), (e: unknown) => e instanceof TransportError && /0x04030201/.test(e.message));
});
