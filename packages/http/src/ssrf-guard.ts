import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The guard for requests to URLs that users give (outgoing webhooks): no loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, documentation or
 * reserved addresses. Checked when a URL is registered and again at connect time on the address
 * DNS actually returned (`guardedLookup`), so a name that later resolves to 127.0.0.1 is refused.
 */
const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible or NAT64 IPv6 address. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:(?:0:)?|::|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:(?:0:)?|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const hi = parseInt(hex[1]!, 16);
  const lo = parseInt(hex[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** True when `address` (an IP literal) is one a user-given URL may reach. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const v4 = embeddedIpv4(address);
  if (v4 !== undefined) return isPublicAddress(v4);
  return !blocked.check(address, 'ipv6');
}

/** Why a target URL is refused; `undefined` when it is allowed. */
export type UrlRefusal = 'not_a_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'private_address' | 'unresolvable';

export interface TargetPolicy {
  /** Allow http:// and private, loopback and link-local addresses: tests and local development only. */
  allowInsecure: boolean;
}

function hostOf(url: URL): string {
  // URL keeps the brackets of an IPv6 literal.
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The checks that need no DNS: scheme, credentials, literal addresses, obviously local names. */
export function checkTargetUrl(raw: string, policy: TargetPolicy): UrlRefusal | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not_a_url';
  }
  if (url.protocol !== 'https:' && !(policy.allowInsecure && url.protocol === 'http:')) return 'scheme_not_allowed';
  if (url.username !== '' || url.password !== '') return 'credentials_in_url';
  if (policy.allowInsecure) return undefined;
  const host = hostOf(url).toLowerCase().replace(/\.$/, '');
  if (isIP(host) !== 0) return isPublicAddress(host) ? undefined : 'private_address';
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) return 'private_address';
  return undefined;
}

/**
 * The registration check: `checkTargetUrl`, then every address the name resolves to must be
 * public (a name that does not resolve is refused: it could not be delivered to).
 */
export async function assertTargetUrl(raw: string, policy: TargetPolicy): Promise<UrlRefusal | undefined> {
  const refusal = checkTargetUrl(raw, policy);
  if (refusal || policy.allowInsecure) return refusal;
  const host = hostOf(new URL(raw));
  if (isIP(host) !== 0) return undefined;
  let addresses: LookupAddress[];
  try {
    addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
      dnsLookup(host, { all: true }, (err, found) => (err ? reject(err) : resolve(found))),
    );
  } catch {
    return 'unresolvable';
  }
  if (addresses.length === 0) return 'unresolvable';
  return addresses.every((a) => isPublicAddress(a.address)) ? undefined : 'private_address';
}

/** Thrown (as a connect error) when a name resolves to an address a user-given URL may not reach. */
export class PrivateAddressError extends Error {
  readonly code = 'ERR_PRIVATE_ADDRESS';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a private, loopback or link-local address`);
    this.name = 'PrivateAddressError';
  }
}

/**
 * A `lookup` for node:http(s) requests that refuses private addresses at connect time, on the
 * addresses the connection will really use (no gap between the check and the connect).
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '', 0);
    const list = addresses;
    const bad = list.find((a) => !isPublicAddress(a.address));
    if (bad) return callback(new PrivateAddressError(hostname, bad.address), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
    const first = list[0];
    if (!first) return callback(new Error(`no address for ${hostname}`), '', 0);
    callback(null, first.address, first.family);
  });
};
