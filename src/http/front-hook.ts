// JavaScript side of the uws-front native addon (native/uws-front), which answers the requests the bundled uWS
// parser never answers (HTTP/1.0, no Host, bare LF, absolute-form targets, oversized heads) and holds pipelined
// requests until the response before them has ended. See docs/http.md, "Requests uWS 20.30 cannot parse".
//
// Pipelining needs to know which responses outlive their request handler: call responseInFlight() synchronously in
// the handler of such a response and responseEnded(token) once it is over (ended, aborted or failed). Responses
// completed inside the handler need nothing.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { us_listen_socket } from './uws.ts';

interface UwsFrontAddon {
  install(listenSocket: us_listen_socket, uwsBinaryPath: string): { installed: boolean; reason?: string };
  responseInFlight(): number;
  responseEnded(token: number): boolean;
  release(token: number): void;
  stats(): FrontHookStats;
}

export interface FrontHookStats {
  /** uWS socket contexts (one per server) hooked in this process. */
  contexts: number;
  /** Connections with per-connection state (a partial head, held requests, a response in flight). */
  connections: number;
  /** Bytes of partial heads and pipelined requests held. */
  heldBytes: number;
  /** Error answers waiting for earlier bytes of their connection to leave. */
  deferredAnswers: number;
}

export type FrontHookResult = { installed: true } | { installed: false; reason: string };

const require = createRequire(import.meta.url);
let addon: UwsFrontAddon | null | undefined;
let loadError = '';

function loadAddon(): UwsFrontAddon | null {
  if (addon === undefined) {
    try {
      addon = require('uws-front') as UwsFrontAddon;
    } catch (err) {
      addon = null;
      loadError = (err as Error).message.split('\n')[0] ?? String(err);
    }
  }
  return addon;
}

/** Path of the uWebSockets.js binary this process loaded (the same name src/uws.js of the package builds). */
function uwsBinaryPath(): string {
  const pkgDir = dirname(dirname(require.resolve('uWebSockets.js')));
  return join(pkgDir, 'binaries', `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
}

/** Hooks the server of `listenSocket`; says why not when it cannot, and then the server runs exactly as before. */
export function installFrontHook(listenSocket: us_listen_socket): FrontHookResult {
  if (process.env.STREAMBOT_HTTP_FRONT === '0') return { installed: false, reason: 'disabled by STREAMBOT_HTTP_FRONT=0' };
  const lib = loadAddon();
  if (lib === null) return { installed: false, reason: `the uws-front addon did not load (${loadError}); rebuild it with npm ci` };
  try {
    const result = lib.install(listenSocket, uwsBinaryPath());
    return result.installed ? { installed: true } : { installed: false, reason: result.reason ?? 'unknown' };
  } catch (err) {
    return { installed: false, reason: `install failed: ${(err as Error).message}` };
  }
}

/** Marks the request being handled as answered later; returns the token for responseEnded (0: nothing to do). */
export function responseInFlight(): number {
  return addon ? addon.responseInFlight() : 0;
}

/** The response of `token` is over: pipelined requests held behind it are handed to uWS on the next turn. */
export function responseEnded(token: number): void {
  if (!addon || token === 0) return;
  // Released from setImmediate, never from inside a uWS callback (uWS must not be re-entered while it is corked).
  if (addon.responseEnded(token)) setImmediate(() => addon!.release(token));
}

export function frontHookStats(): FrontHookStats {
  return loadAddon()?.stats() ?? { contexts: 0, connections: 0, heldBytes: 0, deferredAnswers: 0 };
}
