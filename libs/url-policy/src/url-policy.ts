import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { forbiddenReason } from './address-policy';

export type UrlPolicyReason = 'invalid_url' | 'not_https' | 'forbidden_address' | 'unresolvable';

export class UrlPolicyError extends Error {
  constructor(
    readonly reason: UrlPolicyReason,
    message: string,
  ) {
    super(message);
    this.name = 'UrlPolicyError';
  }
}

export interface UrlPolicyOptions {
  allowHttp: boolean;
  allowPrivate: boolean;
  /** Check only the scheme and literal addresses, not what a host name resolves to (the dispatcher checks at connect time). */
  skipDns?: boolean;
  /** Resolves a host to all its addresses (injectable for tests). */
  lookup?: (host: string) => Promise<string[]>;
}

export async function resolveAll(host: string): Promise<string[]> {
  const records = await dnsLookup(host, { all: true, verbatim: true });
  return records.map((r) => r.address);
}

/**
 * The host as an IP literal when it is one. WHATWG URL parsing has already turned every IPv4
 * notation (decimal `2852039166`, octal, hex, short `127.1`) into dotted quads, and IPv6 into
 * its bracketed canonical form, so only brackets remain to strip.
 */
export function parseHostAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) ? bare : undefined;
}

/**
 * Checks an endpoint URL: its scheme, and every address its host resolves to. Throws a
 * UrlPolicyError naming the reason; answers the parsed URL and the addresses checked.
 */
export async function resolveAndCheck(url: string, options: UrlPolicyOptions): Promise<{ url: URL; addresses: string[] }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlPolicyError('invalid_url', 'is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && !(options.allowHttp && parsed.protocol === 'http:')) {
    throw new UrlPolicyError('not_https', options.allowHttp ? 'must be an http or https URL' : 'must be an https URL');
  }
  if (parsed.username || parsed.password) throw new UrlPolicyError('invalid_url', 'must not contain credentials');
  const literal = parseHostAddress(parsed.hostname);
  let addresses: string[];
  if (literal) {
    addresses = [literal];
  } else if (options.skipDns) {
    addresses = [];
  } else {
    try {
      addresses = await (options.lookup ?? resolveAll)(parsed.hostname);
    } catch {
      throw new UrlPolicyError('unresolvable', `host ${parsed.hostname} does not resolve`);
    }
    if (addresses.length === 0) throw new UrlPolicyError('unresolvable', `host ${parsed.hostname} does not resolve`);
  }
  for (const address of addresses) {
    const reason = forbiddenReason(address, { allowPrivate: options.allowPrivate });
    if (reason) throw new UrlPolicyError('forbidden_address', `resolves to a forbidden address (${reason})`);
  }
  return { url: parsed, addresses };
}
