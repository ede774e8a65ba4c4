import ipaddr from 'ipaddr.js';

export type AddressClass =
  'public' | 'private' | 'loopback' | 'link-local' | 'metadata' | 'unspecified' | 'reserved';

/** Cloud metadata endpoints: refused always, whatever the development settings say. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

const IPV4_CLASSES: Record<string, AddressClass> = {
  unicast: 'public',
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  carrierGradeNat: 'private',
  unspecified: 'unspecified',
  broadcast: 'reserved',
  multicast: 'reserved',
  reserved: 'reserved',
};

const IPV6_CLASSES: Record<string, AddressClass> = {
  unicast: 'public',
  uniqueLocal: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  multicast: 'reserved',
  reserved: 'reserved',
  teredo: 'reserved',
  benchmarking: 'reserved',
  amt: 'reserved',
  as112v6: 'reserved',
  deprecated: 'reserved',
  orchid2: 'reserved',
  droneRemoteIdProtocolEntityTags: 'reserved',
};

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 or 6to4), if any. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = v6.range();
  const parts = v6.parts;
  const fromWords = (hi: number, lo: number) =>
    new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (range === 'ipv4Mapped' || range === 'rfc6052' || range === 'rfc6145')
    return fromWords(parts[6]!, parts[7]!);
  if (range === '6to4') return fromWords(parts[1]!, parts[2]!);
  // ::a.b.c.d (deprecated "IPv4-compatible"): first 96 bits zero.
  if (parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7]! > 1))
    return fromWords(parts[6]!, parts[7]!);
  return undefined;
}

/** Classifies an IP address given in canonical form (as DNS returns it or as WHATWG URL writes it). */
export function classifyAddress(ip: string): AddressClass {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!ipaddr.isValid(text)) throw new Error(`not an IP address: ${ip}`);
  let addr = ipaddr.parse(text);
  if (addr.kind() === 'ipv6') {
    if (METADATA.has(addr.toNormalizedString()) || METADATA.has((addr as ipaddr.IPv6).toString()))
      return 'metadata';
    const inner = embeddedIPv4(addr as ipaddr.IPv6);
    if (inner) addr = inner;
  }
  if (addr.kind() === 'ipv4') {
    if (METADATA.has(addr.toString())) return 'metadata';
    return IPV4_CLASSES[addr.range()] ?? 'reserved';
  }
  return IPV6_CLASSES[addr.range()] ?? 'reserved';
}

/**
 * Why an endpoint may not be reached at this address, or null when it may. Loopback and private
 * ranges are allowed only with allowPrivate (local development and tests); link-local, metadata,
 * unspecified and reserved addresses never.
 */
export function forbiddenReason(
  ip: string,
  { allowPrivate }: { allowPrivate: boolean },
): string | null {
  const cls = classifyAddress(ip);
  switch (cls) {
    case 'public':
      return null;
    case 'private':
    case 'loopback':
      return allowPrivate ? null : `${ip} is a ${cls} address`;
    default:
      return `${ip} is a ${cls} address`;
  }
}
