// FastSocket, the session workers' replacement for gramjs's PromisedNetSockets, against a local node:net server:
// the bytes come out exactly as sent however they were chunked and however they are read (byte-by-byte arrival,
// big writes, TCPFull's 4/4/n/4 reads, gramjs's own packet codec), and every closing scenario (local close, peer
// reset, peer FIN, refused connect, write or read after close) ends exactly as with gramjs's class, run side by side.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { FastSocket } from '../actors/session/fast-socket.ts';
import { pollFor } from './support/poll.ts';

const require = createRequire(import.meta.url);
// gramjs's modules import each other in cycles: the package entry first, as the session worker does.
require('telegram');
const { PromisedNetSockets } = require('telegram/extensions/PromisedNetSockets') as { PromisedNetSockets: SocketClass };
const { FullPacketCodec } = require('telegram/network/connection/TCPFull') as {
  FullPacketCodec: new (conn: unknown) => { encodePacket(b: Buffer): Buffer; readPacket(r: unknown): Promise<Buffer> };
};

const MiB = 1024 * 1024;
const HOST = '127.0.0.1';

// What both classes offer to gramjs.
interface Sock {
  closed: boolean;
  client?: net.Socket;
  connect(port: number, ip: string): Promise<unknown>;
  readExactly(n: number): Promise<Buffer>;
  read(n: number): Promise<Buffer>;
  write(data: Buffer): void;
  close(): Promise<void>;
}
type SocketClass = new (proxy?: unknown) => Sock;
const Fast = FastSocket as unknown as SocketClass;

interface Server {
  port: number;
  /** The server side of the next accepted connection. */
  accepted(): Promise<net.Socket>;
  close(): Promise<void>;
}

const servers: Server[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function listen(): Promise<Server> {
  const queue: net.Socket[] = [];
  const waiting: ((s: net.Socket) => void)[] = [];
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => {});
    s.setNoDelay(true);
    const w = waiting.shift();
    if (w) w(s);
    else queue.push(s);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const srv: Server = {
    port: (server.address() as net.AddressInfo).port,
    accepted: () => new Promise((resolve) => {
      const s = queue.shift();
      if (s) resolve(s);
      else waiting.push(resolve);
    }),
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      server.close(() => resolve());
    }),
  };
  servers.push(srv);
  return srv;
}

async function connectTo(Cls: SocketClass, server: Server): Promise<{ sock: Sock; peer: net.Socket }> {
  const sock = new Cls();
  const [, peer] = await Promise.all([sock.connect(server.port, HOST), server.accepted()]);
  return { sock, peer };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a read or call ended, comparable across classes. */
async function outcome(p: Promise<unknown>, waitMs = 2000): Promise<unknown> {
  const timer = Symbol('pending');
  try {
    const v = await Promise.race([p, tick(waitMs).then(() => timer)]);
    if (v === timer) return 'still pending';
    return { resolved: Buffer.isBuffer(v) ? v.toString('hex') : typeof v };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { rejected: e.message, ...(e.code ? { code: e.code } : {}) };
  }
}

function syncOutcome(f: () => unknown): unknown {
  try {
    f();
    return 'returned';
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

/** Runs `scenario` with gramjs's class and with FastSocket; they must end alike, and as `expected`. */
async function sameAsGramjs(scenario: (Cls: SocketClass) => Promise<unknown>, expected: unknown): Promise<void> {
  const theirs = await scenario(PromisedNetSockets);
  const ours = await scenario(Fast);
  assert.deepEqual(theirs, expected, 'gramjs PromisedNetSockets (the scenario itself is off)');
  assert.deepEqual(ours, theirs, 'FastSocket differs from gramjs PromisedNetSockets');
}

/** Writes `data` in pieces of `sizes()` bytes, waiting `gapMs` between pieces so each arrives on its own. */
async function trickle(peer: net.Socket, data: Buffer, sizes: () => number, gapMs: number): Promise<void> {
  for (let at = 0; at < data.length;) {
    const n = Math.min(sizes(), data.length - at);
    peer.write(data.subarray(at, at + n));
    at += n;
    await tick(gapMs);
  }
}

test('readExactly gathers bytes arriving one at a time, across chunk boundaries', async () => {
  const server = await listen();
  const { sock, peer } = await connectTo(Fast, server);
  let chunks = 0;
  sock.client!.on('data', () => chunks++);
  const sent = randomBytes(600);
  const feeding = trickle(peer, sent, () => 1, 1);
  const parts: Buffer[] = [];
  for (const n of [1, 4, 4, 100, 3, 1, 4, 283, 200]) parts.push(await sock.readExactly(n));
  await feeding;
  assert.ok(chunks > 50, `the bytes came in ${chunks} chunks, too few to cross boundaries`);
  assert.deepEqual(parts.map((p) => p.length), [1, 4, 4, 100, 3, 1, 4, 283, 200]);
  assert.ok(Buffer.concat(parts).equals(sent));
  await sock.close();
});

test('several MiB of random frames read as TCPFull does (4, 4, n, 4), sent in big and in odd-sized chunks', async () => {
  const server = await listen();
  for (const how of ['big writes', 'odd pieces'] as const) {
    const { sock, peer } = await connectTo(Fast, server);
    const frames: Buffer[][] = [];
    let total = 0;
    while (total < 6 * MiB) {
      const body = randomBytes(frames.length % 3 === 0 ? randomInt(0, 64) : randomInt(1, 1.5 * MiB));
      const frame = [randomBytes(4), randomBytes(4), body, randomBytes(4)];
      frames.push(frame);
      total += body.length + 12;
    }
    const wire = Buffer.concat(frames.flat());
    const feeding = how === 'big writes'
      ? new Promise<void>((resolve) => peer.write(wire, () => resolve()))
      : trickle(peer, wire, () => randomInt(1, 200 * 1024), 0);
    const got: Buffer[] = [];
    for (const [, , body] of frames) {
      got.push(await sock.readExactly(4), await sock.readExactly(4), await sock.readExactly(body!.length), await sock.readExactly(4));
    }
    await feeding;
    assert.equal(got.length, frames.length * 4);
    for (let i = 0; i < got.length; i++) {
      const want = frames[Math.floor(i / 4)]![i % 4]!;
      assert.ok(got[i]!.equals(want), `${how}: frame ${Math.floor(i / 4)} part ${i % 4} differs`);
    }
    assert.ok(Buffer.concat(got).equals(wire), `${how}: the stream as a whole differs`);
    await sock.close();
  }
});

test("gramjs's own TCPFull codec reads its packets through FastSocket", async () => {
  const server = await listen();
  const { sock, peer } = await connectTo(Fast, server);
  const encoder = new FullPacketCodec({});
  const decoder = new FullPacketCodec({});
  const bodies = [randomBytes(16), randomBytes(MiB + 24), randomBytes(4 * 1024), randomBytes(MiB), randomBytes(32)];
  const wire = Buffer.concat(bodies.map((b) => encoder.encodePacket(b)));
  const feeding = trickle(peer, wire, () => randomInt(1000, 100_000), 0);
  for (const body of bodies) assert.ok((await decoder.readPacket(sock)).equals(body));
  await feeding;
  await sock.close();
});

test('read hands out what is buffered, up to the size asked for; reads wait in turn', async () => {
  const server = await listen();
  const { sock, peer } = await connectTo(Fast, server);
  const a = sock.readExactly(3);
  const b = sock.read(100);
  const c = sock.readExactly(5);
  const sent = randomBytes(17);
  peer.write(sent.subarray(0, 12));
  const [ra, rb] = await Promise.all([a, b]);
  assert.equal(ra.length, 3);
  assert.ok(rb.length >= 1 && rb.length <= 9, `read(100) gave ${rb.length} of the 9 bytes left`);
  peer.write(sent.subarray(12));
  const rc = await c;
  assert.equal(rc.length, 5);
  const left = 17 - 3 - rb.length - 5;
  const rest = left > 0 ? await sock.readExactly(left) : Buffer.alloc(0);
  assert.ok(Buffer.concat([ra, rb, rc, rest]).equals(sent));
  await sock.close();
});

test('a byte count that is not one is refused; so is a SOCKS proxy, while an MTProxy is spoken over a plain socket', async () => {
  const server = await listen();
  const { sock } = await connectTo(Fast, server);
  await assert.rejects(sock.readExactly(-4), RangeError);
  await assert.rejects(sock.readExactly(1.5), RangeError);
  await sock.close();
  assert.throws(() => new FastSocket({ ip: '127.0.0.1', port: 1080, socksType: 5 }), /SOCKS/);
  assert.doesNotThrow(() => new FastSocket({ MTProxy: true, ip: '127.0.0.1', port: 443 }));
});

// ── closing, compared with gramjs's class ─────────────────────────────────────

test('close() while a read is pending: the read fails with "NetSocket was closed"', async () => {
  const server = await listen();
  await sameAsGramjs(async (Cls) => {
    const { sock, peer } = await connectTo(Cls, server);
    peer.write(Buffer.from('abc'));
    const pending = sock.readExactly(8);
    await tick(50);
    await sock.close();
    return { read: await outcome(pending), closed: sock.closed, again: await outcome(sock.readExactly(1)) };
  }, { read: { rejected: 'NetSocket was closed' }, closed: true, again: { rejected: 'NetSocket was closed' } });
});

test('write and read after close() fail with "NetSocket was closed"', async () => {
  const server = await listen();
  await sameAsGramjs(async (Cls) => {
    const { sock } = await connectTo(Cls, server);
    await sock.close();
    return {
      write: syncOutcome(() => sock.write(Buffer.from('x'))),
      read: await outcome(sock.read(4)),
      readExactly: await outcome(sock.readExactly(4)),
    };
  }, { write: { threw: 'NetSocket was closed' }, read: { rejected: 'NetSocket was closed' }, readExactly: { rejected: 'NetSocket was closed' } });
});

test('the server resets the connection while a read is pending: the read fails, the socket counts as closed', async () => {
  const server = await listen();
  await sameAsGramjs(async (Cls) => {
    const { sock, peer } = await connectTo(Cls, server);
    peer.write(Buffer.from('12345'));
    const pending = sock.readExactly(10);
    await tick(50);
    peer.resetAndDestroy();
    const read = await outcome(pending);
    return { read, closed: sock.closed, write: syncOutcome(() => sock.write(Buffer.from('x'))) };
  }, { read: { rejected: 'NetSocket was closed' }, closed: true, write: { threw: 'NetSocket was closed' } });
});

test('the server ends the connection (FIN) while a read is pending: the read fails', async () => {
  const server = await listen();
  await sameAsGramjs(async (Cls) => {
    const { sock, peer } = await connectTo(Cls, server);
    const pending = sock.readExactly(10);
    peer.end(Buffer.from('1234'));
    return { read: await outcome(pending), closed: sock.closed };
  }, { read: { rejected: 'NetSocket was closed' }, closed: true });
});

test('a read satisfied before the peer closes gets its bytes; bytes still buffered at the close are not handed out', async () => {
  const server = await listen();
  await sameAsGramjs(async (Cls) => {
    const { sock, peer } = await connectTo(Cls, server);
    const first = sock.readExactly(4);
    peer.end(Buffer.from('aaaabbbb'));
    const got = await outcome(first);
    await pollFor(() => (sock.closed ? true : undefined), 'the socket to close');
    return { first: got, rest: await outcome(sock.readExactly(4)) };
  }, { first: { resolved: Buffer.from('aaaa').toString('hex') }, rest: { rejected: 'NetSocket was closed' } });
});

test('a refused connect rejects with the socket error and leaves the socket closed', async () => {
  const server = await listen();
  const port = server.port;
  await server.close();
  await sameAsGramjs(async (Cls) => {
    const sock = new Cls();
    const connect = await outcome(sock.connect(port, HOST));
    await pollFor(() => (sock.closed ? true : undefined), 'the socket to close');
    return { connect, read: await outcome(sock.readExactly(1)) };
  }, { connect: { rejected: `connect ECONNREFUSED ${HOST}:${port}`, code: 'ECONNREFUSED' }, read: { rejected: 'NetSocket was closed' } });
});

test('before connect, the socket counts as closed', async () => {
  await sameAsGramjs(async (Cls) => {
    const sock = new Cls();
    return { closed: sock.closed, write: syncOutcome(() => sock.write(Buffer.from('x'))), read: await outcome(sock.readExactly(1)) };
  }, { closed: true, write: { threw: 'NetSocket was closed' }, read: { rejected: 'NetSocket was closed' } });
});
