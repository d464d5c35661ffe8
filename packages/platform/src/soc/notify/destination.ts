// Webhook destinations: a contact's URL is typed by an organization's administrator, and the request leaves
// from inside the security cloud. Unless notify.webhookAllowPrivate is set, a URL whose host is (or resolves
// to) a loopback, private, link-local, CGNAT, multicast or unspecified address is refused, so a webhook cannot
// be pointed at the platform's own network.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

const internal = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  internal.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  internal.addSubnet(net, bits, 'ipv6');

export function isInternalAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 0) return false;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address.
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m) return internal.check(m[1]!, 'ipv4');
  return internal.check(ip, v === 4 ? 'ipv4' : 'ipv6');
}

const bare = (host: string) => host.replace(/^\[|\]$/g, '');

/** Refusal reason for an address literal in the URL (checked when the contact is saved), or null. */
export function literalRefusal(url: URL): string | null {
  const host = bare(url.hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return 'webhookUrl points at this machine';
  if (isIP(host) && isInternalAddress(host)) return 'webhookUrl points at an internal address';
  return null;
}

/** Checked at delivery: the name may resolve elsewhere than when the contact was saved. */
export async function destinationRefusal(url: URL): Promise<string | null> {
  const lit = literalRefusal(url);
  if (lit) return lit;
  const host = bare(url.hostname);
  if (isIP(host)) return null;
  const addrs = await lookup(host, { all: true });
  return addrs.some((a) => isInternalAddress(a.address)) ? `${host} resolves to an internal address` : null;
}
