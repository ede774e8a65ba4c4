import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { forbiddenReason } from '@hookline/url-policy';

/** Resolves a host name to every address it has (injectable: tests make a name resolve anywhere). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) =>
      err ? reject(err) : resolve(addresses),
    ),
  );

/** A host resolved to an address endpoints may not be reached at. */
export class BlockedAddressError extends Error {
  readonly code = 'EHOOKLINE_BLOCKED_ADDRESS';
  constructor(
    readonly hostname: string,
    reason: string,
  ) {
    super(`${hostname}: ${reason}`);
    this.name = 'BlockedAddressError';
  }
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * The `lookup` of the sockets to endpoints: it resolves the host, refuses it when any address is
 * forbidden, and hands the socket exactly the addresses it checked, so the connection cannot go
 * to an address that a second resolution (DNS rebinding) would have produced.
 */
export function guardedLookup(allowPrivate: boolean, resolver: Resolver = systemResolver) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ): void => {
    resolver(hostname).then(
      (addresses) => {
        if (addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
          err.code = 'ENOTFOUND';
          return callback(err, '');
        }
        for (const { address } of addresses) {
          const reason = forbiddenReason(address, { allowPrivate });
          if (reason) return callback(new BlockedAddressError(hostname, reason), '');
        }
        const family =
          options.family === 6 || options.family === 'IPv6'
            ? 6
            : options.family === 4 || options.family === 'IPv4'
              ? 4
              : 0;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (options.all) return callback(null, usable);
        const first = usable[0] ?? addresses[0]!;
        callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}
