// API_ALLOWED_IPS: a comma-separated list of addresses and CIDR ranges, IPv4 or IPv6, checked with node's BlockList
// (which also matches IPv4-mapped IPv6 addresses against IPv4 ranges and the reverse).
import { BlockList, isIP } from 'node:net';

export interface CidrList {
  /** The entries as written, for logs and error messages. */
  readonly entries: readonly string[];
  readonly blockList: BlockList;
}

/** Parses `10.0.0.0/8, 192.168.1.7, ::1, 2001:db8::/32`; throws a TypeError naming the first bad entry. */
export function parseCidrList(text: string): CidrList {
  const blockList = new BlockList();
  const entries = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const max = family === 4 ? 32 : 128;
    if (family === 0 || extra !== undefined || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)) || Number(prefix ?? 0) > max) {
      throw new TypeError(`API_ALLOWED_IPS entries must be addresses or CIDR ranges like 10.0.0.0/8 or 2001:db8::/32 (got "${entry}")`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) blockList.addAddress(address!, type);
    else blockList.addSubnet(address!, Number(prefix), type);
  }
  if (entries.length === 0) throw new TypeError('API_ALLOWED_IPS must list at least one address or CIDR range, or be left unset');
  return { entries, blockList };
}

export function ipAllowed(list: CidrList, ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return list.blockList.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}
