// Socket options on uWS's listening socket. uWebSockets.js exposes no file descriptors, so the listening socket is
// found through /proc (the socket in LISTEN state on our port, among this process's descriptors). Linux copies a
// listening socket's options to every connection it accepts, so setting them once covers all clients.
//
// TCP_NOTSENT_LOWAT bounds the bytes a connection holds that the kernel has not yet sent. Without it the send buffer
// autotunes to several MiB and a slow reader's socket turns writable only after about a third of that drains, so
// backpressure and progress are seen in multi-second steps. With it, the kernel keeps at most the client's receive
// window plus this much, and reports the socket writable again as soon as part of it is sent. In-flight data is not
// limited, so throughput to fast clients is unchanged.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

const IPPROTO_TCP = 6;
const TCP_NOTSENT_LOWAT = 25;
const TCP_LISTEN_STATE = '0A';

/** Unsent bytes the kernel keeps per connection before reporting it not writable. */
export const DEFAULT_NOTSENT_LOWAT = 128 * 1024;

interface Sockopt {
  getsockopt(socket: { _handle: { fd: number } }, level: number, name: number): number;
  setsockopt(socket: { _handle: { fd: number } }, level: number, name: number, value: number): void;
}

let sockopt: Sockopt | null | undefined;
function loadSockopt(): Sockopt | null {
  if (sockopt === undefined) {
    try {
      sockopt = createRequire(import.meta.url)('sockopt') as Sockopt;
    } catch {
      sockopt = null;
    }
  }
  return sockopt;
}

export type ListenTuning = { applied: true; fd: number; notsentLowat: number } | { applied: false; reason: string };

/** Sets TCP_NOTSENT_LOWAT on this process's socket listening on `port`; says why when it cannot. */
export function tuneListenSocket(port: number, notsentLowat = DEFAULT_NOTSENT_LOWAT): ListenTuning {
  if (process.platform !== 'linux') return { applied: false, reason: `not supported on ${process.platform}` };
  const lib = loadSockopt();
  if (!lib) return { applied: false, reason: 'the sockopt package did not load (reinstall dependencies with npm ci)' };
  const fd = findListeningFd(port);
  if (fd === null) return { applied: false, reason: `no socket of this process listens on port ${port}` };
  try {
    const socket = { _handle: { fd } };
    lib.setsockopt(socket, IPPROTO_TCP, TCP_NOTSENT_LOWAT, notsentLowat);
    return { applied: true, fd, notsentLowat: lib.getsockopt(socket, IPPROTO_TCP, TCP_NOTSENT_LOWAT) };
  } catch (err) {
    return { applied: false, reason: `setsockopt failed: ${(err as Error).message}` };
  }
}

/** TCP_NOTSENT_LOWAT of this process's TCP connections whose local port is `port` (for tests and diagnostics). */
export function connectionNotsentLowats(port: number): number[] {
  const lib = loadSockopt();
  if (!lib) return [];
  const inodes = socketInodes(port, (state) => state !== TCP_LISTEN_STATE);
  return ownSocketFds()
    .filter(([, inode]) => inodes.has(inode))
    .map(([fd]) => lib.getsockopt({ _handle: { fd } }, IPPROTO_TCP, TCP_NOTSENT_LOWAT));
}

function findListeningFd(port: number): number | null {
  const inodes = socketInodes(port, (state) => state === TCP_LISTEN_STATE);
  return ownSocketFds().find(([, inode]) => inodes.has(inode))?.[0] ?? null;
}

/** Inodes of TCP sockets (v4 and v6) whose local port is `port` and whose state passes `stateOk`. */
function socketInodes(port: number, stateOk: (state: string) => boolean): Set<string> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const local = f[1]!;
      if (local.slice(local.lastIndexOf(':') + 1) === portHex && stateOk(f[3]!)) inodes.add(f[9]!);
    }
  }
  return inodes;
}

/** [fd, socket inode] for every socket descriptor this process holds. */
function ownSocketFds(): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const name of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // closed meanwhile
    }
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) out.push([Number(name), m[1]!]);
  }
  return out;
}
