import net from 'node:net';

/**
 * Who a request comes from, for limits: an IPv4 address as is (an IPv4-mapped IPv6 address as its
 * IPv4 form), an IPv6 address by its /64 — one subscriber's network, where every address is
 * theirs to use, so rotating through it gains nothing.
 */
export function rateLimitKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (net.isIPv6(ip)) return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

/** The eight groups of an IPv6 address, `::` expanded and each without leading zeros. */
function ipv6Groups(ip: string): string[] {
  const address = ip.split('%')[0]!;
  const [head = '', tail] = address.split('::');
  const parts = (text: string) => (text ? text.split(':').flatMap((p) => (p.includes('.') ? ['0', '0'] : [p])) : []);
  const before = parts(head);
  const after = tail === undefined ? [] : parts(tail);
  const filled = [...before, ...Array<string>(Math.max(0, 8 - before.length - after.length)).fill('0'), ...after];
  return filled.map((g) => Number.parseInt(g, 16).toString(16));
}
