/** The signature schemes a webhook can use (DESIGN.md "Signatures"). */
export const SCHEMES = [
  'standard',
  'hop',
  'hostwares',
  'hub-sha512',
  'github',
  'sha256-timestamped',
] as const;
export type Scheme = (typeof SCHEMES)[number];

/**
 * Old scheme names still accepted, signing as the scheme they name now. `sha256-timestamped`
 * signed `timestamp.body` in a header no Hostwares receiver reads; it is `hostwares` now.
 */
export const SCHEME_ALIASES: Readonly<Record<string, Scheme>> = {
  'sha256-timestamped': 'hostwares',
};

/** The scheme a name stands for (an alias resolved). */
export function canonicalScheme(scheme: Scheme): Scheme {
  return SCHEME_ALIASES[scheme] ?? scheme;
}

export const HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
  hop: 'x-hop-hooks-signature',
  hostwares: 'x-hostwares-signature',
  hostwaresTimestamp: 'x-hostwares-timestamp',
  hub: 'x-hub-signature',
  github: 'x-hub-signature-256',
} as const;

/**
 * A single-signature profile: one HMAC of the raw body, hex encoded, in one header a receiver
 * compares whole. Shared by the Node signer and the Web Crypto verifier so both read one table.
 */
export interface SingleSignatureProfile {
  /** The header's default name; a webhook's `signature_header` replaces it. */
  header: string;
  hash: 'SHA-256' | 'SHA-512';
  /** The header value from the lowercase hex digest. */
  encode: (hex: string) => string;
  /** A header carrying the attempt's unix seconds, sent but not signed (as the service does). */
  timestampHeader?: string;
}

export const SINGLE_SIGNATURE_PROFILES: Readonly<
  Record<Exclude<Scheme, 'standard' | 'sha256-timestamped'>, SingleSignatureProfile>
> = {
  hop: { header: HEADERS.hop, hash: 'SHA-256', encode: (hex) => hex.toUpperCase() },
  hostwares: {
    header: HEADERS.hostwares,
    hash: 'SHA-256',
    encode: (hex) => `sha256=${hex}`,
    timestampHeader: HEADERS.hostwaresTimestamp,
  },
  'hub-sha512': { header: HEADERS.hub, hash: 'SHA-512', encode: (hex) => hex },
  github: { header: HEADERS.github, hash: 'SHA-256', encode: (hex) => `sha256=${hex}` },
};

/** The single-signature profile of a scheme, or undefined for `standard`. */
export function singleSignatureProfile(scheme: Scheme): SingleSignatureProfile | undefined {
  const canonical = canonicalScheme(scheme);
  return canonical === 'standard'
    ? undefined
    : SINGLE_SIGNATURE_PROFILES[canonical as keyof typeof SINGLE_SIGNATURE_PROFILES];
}

/**
 * The headers a single-signature scheme sends, with the webhook's own signature header name if
 * it has one. The timestamp header follows a custom name that ends in `-signature`
 * (`x-acme-signature` → `x-acme-timestamp`), so a platform branding its headers brands both.
 * During a rotation's transition the newest secret's signature goes in `<signature header>-next`.
 */
export function profileHeaders(
  profile: SingleSignatureProfile,
  signatureHeader?: string | null,
): { signature: string; next: string; timestamp?: string } {
  const signature = (signatureHeader ?? profile.header).toLowerCase();
  let timestamp = profile.timestampHeader;
  if (timestamp && signatureHeader && signature.endsWith('-signature'))
    timestamp = `${signature.slice(0, -'-signature'.length)}-timestamp`;
  return { signature, next: `${signature}-next`, ...(timestamp ? { timestamp } : {}) };
}

export const SECRET_PREFIX = 'whsec_';

/** Default tolerance between the signature's timestamp and the receiver's clock. */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;
