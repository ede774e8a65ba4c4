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
 * The IP address a URL host denotes, in canonical form, or undefined for a host name. The host is
 * read the way WHATWG URL parsing (and so every HTTP client) reads it: IPv4 in any notation
 * (decimal `2852039166`, octal `0251.0376.0251.0376`, hex `0xa9fea9fe`, short `127.1`) becomes a
 * dotted quad, and IPv6 (bracketed or not) its canonical form, e.g. `::ffff:a9fe:a9fe`.
 */
export function parseHostAddress(host: string): string | undefined {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === '') return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${isIP(bare) === 6 ? `[${bare}]` : bare}/`).hostname;
  } catch {
    // Not a valid host at all (e.g. `1.2.3.4.5`): then it is no address either.
    return undefined;
  }
  const canonical = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(canonical) ? canonical : undefined;
}

/**
 * Checks an endpoint URL: its scheme, and every address its host resolves to. Throws a
 * UrlPolicyError naming the reason; answers the parsed URL and the addresses checked.
 */
export async function resolveAndCheck(
  url: string,
  options: UrlPolicyOptions,
): Promise<{ url: URL; addresses: string[] }> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlPolicyError('invalid_url', 'is not a valid URL');
  }
  if (parsed.protocol !== 'https:' && !(options.allowHttp && parsed.protocol === 'http:')) {
    throw new UrlPolicyError(
      'not_https',
      options.allowHttp ? 'must be an http or https URL' : 'must be an https URL',
    );
  }
  if (parsed.username || parsed.password)
    throw new UrlPolicyError('invalid_url', 'must not contain credentials');
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
    if (addresses.length === 0)
      throw new UrlPolicyError('unresolvable', `host ${parsed.hostname} does not resolve`);
  }
  for (const address of addresses) {
    const reason = forbiddenReason(address, { allowPrivate: options.allowPrivate });
    if (reason)
      throw new UrlPolicyError('forbidden_address', `resolves to a forbidden address (${reason})`);
  }
  return { url: parsed, addresses };
}
