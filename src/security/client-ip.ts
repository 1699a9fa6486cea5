// The client's address behind reverse proxies. Each proxy appends the address that connected to it to
// X-Forwarded-For, so only the entries to the right of the last untrusted hop are facts; anything to their left was
// written by the client and can be forged. Walking from the right and stopping at the first untrusted hop is the
// rule nginx's real_ip_recursive and Express's `trust proxy` follow.
import { isIP } from 'node:net';
import { normaliseIp } from '../http/client-limits.ts';
import { ipAllowed, type CidrList } from './cidr.ts';

/** The rightmost untrusted hop of `peer` and X-Forwarded-For; the peer itself unless it is a trusted proxy. */
export function clientIpFrom(peer: string, xff: string | undefined, trusted: CidrList): string {
  let client = normaliseIp(peer);
  if (xff === undefined || !ipAllowed(client, trusted)) return client;
  const hops = xff.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hopAddress(hops[i]!);
    // A trusted proxy appends a real address; garbage here means the chain cannot be read further, so the last
    // address known to be real (a proxy's) stands for the client.
    if (hop === null) return client;
    client = hop;
    if (!ipAllowed(hop, trusted)) return client;
  }
  return client;
}

/** One X-Forwarded-For entry as an address: `1.2.3.4`, `1.2.3.4:5678`, `[2001:db8::1]:443`, `2001:db8::1`. */
function hopAddress(text: string): string | null {
  let hop = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop);
  if (bracketed) hop = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(hop)) hop = hop.slice(0, hop.indexOf(':'));
  return isIP(hop) === 0 ? null : normaliseIp(hop);
}
