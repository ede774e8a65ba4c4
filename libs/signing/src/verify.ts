import {
  InvalidPayloadError,
  InvalidSignatureError,
  MissingHeaderError,
  TimestampOutsideToleranceError,
} from './errors';
import type { WebhookEnvelope, WebhookEvent } from './envelope';
import type { EventType } from './event-types.generated';
import {
  DEFAULT_TOLERANCE_SECONDS,
  HEADERS,
  SINGLE_SIGNATURE_PROFILES,
  profileHeaders,
  singleSignatureProfile,
  type Scheme,
} from './schemes';
import { base64Encode, hexEncode, standardKey, utf8 } from './secret';

export type HeaderBag = Headers | Record<string, string | string[] | undefined>;
export type RawBody = string | Uint8Array | ArrayBuffer;

export interface VerifyOptions {
  /** Seconds the timestamp may differ from now (default 300). */
  tolerance?: number;
  /** Which scheme to check; by default it is told by the headers present. */
  scheme?: Scheme;
  /** The webhook's own signature header name, when it has one (single-signature schemes). */
  signatureHeader?: string;
  /** The receiver's clock, in unix seconds (for tests). */
  now?: number;
}

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value[0] : value;
}

function required(headers: HeaderBag, name: string): string {
  const value = header(headers, name);
  if (value === undefined || value === '') throw new MissingHeaderError(name);
  return value;
}

function bodyBytes(body: RawBody): Uint8Array {
  if (typeof body === 'string') return utf8(body);
  return body instanceof Uint8Array ? body : new Uint8Array(body);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The HMAC a verifier checks signatures with: Web Crypto's by default (every runtime has it), or a
 * runtime's own (see verifierWith).
 */
export type Hmac = (
  hash: 'SHA-256' | 'SHA-512',
  key: Uint8Array,
  data: Uint8Array,
) => Uint8Array | Promise<Uint8Array>;

const webCryptoHmac: Hmac = async (hash, key, data) => {
  const subtle = globalThis.crypto.subtle;
  // Copies give the ArrayBuffer-backed views the Web Crypto typings ask for.
  const cryptoKey = await subtle.importKey(
    'raw',
    new Uint8Array(key),
    { name: 'HMAC', hash },
    false,
    ['sign'],
  );
  return new Uint8Array(await subtle.sign('HMAC', cryptoKey, new Uint8Array(data)));
};

/** Compares in time that depends only on the lengths, not on where the strings differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = utf8(a);
  const y = utf8(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    diff |= (x[i % x.length] ?? 0) ^ (y[i % y.length] ?? 0);
  return diff === 0;
}

export function detectScheme(headers: HeaderBag): Scheme {
  if (header(headers, HEADERS.signature) !== undefined) return 'standard';
  for (const [scheme, profile] of Object.entries(SINGLE_SIGNATURE_PROFILES))
    if (header(headers, profile.header) !== undefined) return scheme as Scheme;
  throw new MissingHeaderError(HEADERS.signature);
}

function checkTimestamp(ts: string, options: VerifyOptions): void {
  const seconds = Number(ts);
  if (!/^\d+$/.test(ts) || !Number.isSafeInteger(seconds))
    throw new TimestampOutsideToleranceError();
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - seconds) > (options.tolerance ?? DEFAULT_TOLERANCE_SECONDS))
    throw new TimestampOutsideToleranceError();
}

/** The signature one secret would produce, in the header's own notation. */
async function expectedSignature(
  hmac: Hmac,
  scheme: Scheme,
  secret: string,
  headers: HeaderBag,
  body: Uint8Array,
): Promise<string> {
  const profile = singleSignatureProfile(scheme);
  if (profile) return profile.encode(hexEncode(await hmac(profile.hash, utf8(secret), body)));
  const signed = concat(
    utf8(`${required(headers, HEADERS.id)}.${required(headers, HEADERS.timestamp)}.`),
    body,
  );
  return `v1,${base64Encode(await hmac('SHA-256', standardKey(secret), signed))}`;
}

/** The signatures sent: `standard`'s space-separated list, or the main and `-next` headers. */
function presentedSignatures(scheme: Scheme, headers: HeaderBag, options: VerifyOptions): string[] {
  const profile = singleSignatureProfile(scheme);
  if (!profile) return required(headers, HEADERS.signature).split(' ').filter(Boolean);
  const names = profileHeaders(profile, options.signatureHeader);
  const next = header(headers, names.next);
  return [required(headers, names.signature), ...(next ? [next] : [])].map((s) =>
    // Hex is case-insensitive; the `sha256=` prefix is not part of the digest's case.
    scheme === 'hop' ? s.trim().toUpperCase() : s.trim(),
  );
}

/**
 * verify and constructEvent that check signatures with `hmac`. The Web Crypto entry uses Web
 * Crypto's; the Node entry node:crypto's, synchronous and a fraction of the cost (node-verify.ts).
 */
export function verifierWith(hmac: Hmac) {
  /**
   * Verifies a webhook with any of the given secrets (several during a rotation). Async because
   * Web Crypto's HMAC is, in every entry alike. Pass the raw body exactly as received: a
   * re-serialised JSON body will not verify. Throws a WebhookVerificationError subclass; resolves
   * when valid.
   */
  async function verify(
    body: RawBody,
    headers: HeaderBag,
    secretOrSecrets: string | string[],
    options: VerifyOptions = {},
  ): Promise<void> {
    const scheme = options.scheme ?? detectScheme(headers);
    const presented = presentedSignatures(scheme, headers, options);
    // Only `standard` signs its timestamp; an unsigned one proves nothing, so it is not checked.
    if (scheme === 'standard') checkTimestamp(required(headers, HEADERS.timestamp), options);
    const bytes = bodyBytes(body);
    const secrets = Array.isArray(secretOrSecrets) ? secretOrSecrets : [secretOrSecrets];
    for (const secret of secrets) {
      const expected = await expectedSignature(hmac, scheme, secret, headers, bytes);
      // Check every presented signature, without stopping early, so timing tells nothing.
      let match = false;
      for (const candidate of presented) match = timingSafeEqual(candidate, expected) || match;
      if (match) return;
    }
    throw new InvalidSignatureError();
  }

  /**
   * Verifies, then parses the body into the event envelope, typed by event type. The type parameter
   * only narrows the static type; the event's `data` is not validated against the catalog, so an SDK
   * older than the platform still accepts event types it does not know.
   */
  async function constructEvent<T extends EventType = EventType>(
    body: RawBody,
    headers: HeaderBag,
    secretOrSecrets: string | string[],
    options: VerifyOptions = {},
  ): Promise<WebhookEvent<T>> {
    await verify(body, headers, secretOrSecrets, options);
    const text = typeof body === 'string' ? body : new TextDecoder().decode(bodyBytes(body));
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new InvalidPayloadError('not JSON');
    }
    const envelope = parsed as Partial<WebhookEnvelope>;
    if (
      typeof envelope !== 'object' ||
      envelope === null ||
      typeof envelope.id !== 'string' ||
      typeof envelope.event !== 'string' ||
      typeof envelope.data !== 'object' ||
      envelope.data === null
    ) {
      throw new InvalidPayloadError('not a Hookline event envelope');
    }
    return parsed as WebhookEvent<T>;
  }

  return { verify, constructEvent };
}

/** verify and constructEvent on Web Crypto, which runs the same in every runtime. */
export const { verify, constructEvent } = verifierWith(webCryptoHmac);
