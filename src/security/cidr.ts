// Address lists (TRUSTED_PROXIES): single addresses and CIDR blocks of both families, matched with node:net's
// BlockList, which also matches IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) against IPv4 blocks and back.
import { BlockList, isIP } from 'node:net';

export interface CidrList {
  /** The entries as written (after expanding names such as `loopback`), for logs and errors. */
  readonly entries: readonly string[];
  readonly blocks: BlockList;
}

/** Names for ranges people usually mean: the proxy on this host, or one on a private network (Docker, a LAN). */
const NAMED: Readonly<Record<string, readonly string[]>> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

const EXAMPLE = 'expected an IP address or CIDR block such as 10.0.0.1, 10.0.0.0/8, fd00::/8, or one of: loopback, private';

/**
 * Parses a comma- or space-separated list of addresses and CIDR blocks. Throws an Error naming the first bad entry,
 * so configuration can report it as it was written.
 */
export function parseCidrList(text: string): CidrList {
  const blocks = new BlockList();
  const entries: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    if (raw === '') continue;
    for (const entry of NAMED[raw.toLowerCase()] ?? [raw]) {
      add(blocks, entry, raw);
      entries.push(entry);
    }
  }
  return { entries, blocks };
}

function add(blocks: BlockList, entry: string, asWritten: string): void {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new Error(`"${asWritten}" is not an IP address: ${EXAMPLE}`);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (slash < 0) return blocks.addAddress(address, type);
  const bits = family === 4 ? 32 : 128;
  const prefixText = entry.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) {
    throw new Error(`"${asWritten}" has a bad prefix length "${prefixText}": it must be 0 to ${bits} for IPv${family}`);
  }
  blocks.addSubnet(address, prefix, type);
}

/** True when `ip` is in the list; false for an empty list and for anything that is not an IP address. */
export function ipAllowed(ip: string, list: CidrList): boolean {
  if (list.entries.length === 0) return false;
  const family = isIP(ip);
  if (family === 0) return false;
  return list.blocks.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
