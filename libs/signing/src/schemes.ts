/** The signature schemes a webhook can use (DESIGN.md "Signatures"). */
export const SCHEMES = ['standard', 'hop', 'sha256-timestamped', 'hub-sha512'] as const;
export type Scheme = (typeof SCHEMES)[number];

export const HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
  hop: 'x-hop-hooks-signature',
  timestamped: 'x-webhook-signature',
  timestampedTimestamp: 'x-webhook-timestamp',
  hub: 'x-hub-signature',
} as const;

export const SECRET_PREFIX = 'whsec_';

/** Default tolerance between the signature's timestamp and the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
