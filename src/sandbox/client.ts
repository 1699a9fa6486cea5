// Client side of the sandbox: what an unmodified gramjs TelegramClient needs to talk to it. gramjs ignores the
// port in a session's DC address, so a subclass of its connection class (ConnectionTCPFull unless another transport
// is asked for) maps dcId → loopback port, and the sandbox's per-run RSA key is added to gramjs's known server keys.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ConnectionTCPFull } = require('telegram/network') as typeof import('telegram/network/index.js');
type GramjsConnectionClass = typeof import('telegram/network/index.js').Connection;
const { _serverKeys } = require('telegram/crypto/RSA') as { _serverKeys: Map<string, { n: unknown; e: number }> };
const bigInt = require('big-integer') as typeof import('big-integer');

/** What a client needs to reach a sandbox: its DC ports and public key. Plain data, so it crosses threads/processes. */
export interface SandboxEndpoint {
  host: string;
  ports: Record<number, number>;
  rsa: { fingerprint: string; n: string; e: number };
}

export function trustSandboxKey(endpoint: SandboxEndpoint): void {
  _serverKeys.set(endpoint.rsa.fingerprint, { n: bigInt(endpoint.rsa.n), e: endpoint.rsa.e });
}

/**
 * A gramjs connection class that dials the sandbox DC's own port for each dcId. `base` picks the transport:
 * ConnectionTCPFull (default), ConnectionTCPAbridged or ConnectionTCPObfuscated from `telegram/network`.
 */
export function sandboxConnection<C extends GramjsConnectionClass = typeof ConnectionTCPFull>(endpoint: SandboxEndpoint, base: C = ConnectionTCPFull as unknown as C): C {
  const Base = base as GramjsConnectionClass;
  return class SandboxConnection extends Base {
    constructor(opts: ConstructorParameters<GramjsConnectionClass>[0]) {
      const port = endpoint.ports[opts.dcId];
      if (port === undefined) throw new Error(`sandbox has no DC ${opts.dcId}`);
      super({ ...opts, ip: endpoint.host, port });
    }
  } as C;
}

/** The session's initial DC address ('127.0.0.1', DC 1) for a StringSession. */
export function sandboxHome(endpoint: SandboxEndpoint): { dcId: number; host: string; port: number } {
  return { dcId: 1, host: endpoint.host, port: endpoint.ports[1]! };
}
