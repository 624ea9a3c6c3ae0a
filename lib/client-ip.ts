import { isIPv4, isIPv6 } from 'node:net';

/** The default `throttle.ipv6Subnet`: one subscriber commonly holds a whole /64. */
export const DEFAULT_IPV6_SUBNET = 64;

/**
 * The rate-limit key of a client address. IPv4 stays as it is. IPv6 is cut to its first `ipv6Subnet`
 * bits: a client who holds a /64 could otherwise take a fresh address, and a fresh budget, for every
 * request. IPv4-mapped IPv6 (`::ffff:1.2.3.4`, what a dual-stack socket reports for an IPv4 client)
 * is its IPv4 address, so the same client never has two budgets. Anything else is kept as given.
 */
export function clientAddressKey(ip: unknown, ipv6Subnet: number): string {
  if (typeof ip !== 'string' || ip === '') return 'unknown';
  const bare = ip.split('%')[0];
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return ip;
  const groups = ipv6Groups(bare.toLowerCase());
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  const masked = groups.map((group, index) => {
    const kept = Math.min(16, Math.max(0, ipv6Subnet - index * 16));
    return group & ((0xffff << (16 - kept)) & 0xffff);
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${ipv6Subnet}`;
}

/** The eight 16-bit groups of an address `isIPv6` accepted (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number);
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...new Array<string>(fill).fill('0'), ...right].map((group) => parseInt(group, 16));
}
