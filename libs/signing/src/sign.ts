import { createHmac, randomBytes } from 'node:crypto';
import {
  HEADERS,
  SECRET_PREFIX,
  canonicalScheme,
  profileHeaders,
  singleSignatureProfile,
  type Scheme,
} from './schemes';
import { standardKey } from './secret';

export interface SignInput {
  scheme: Scheme;
  /** Every secret valid now, newest first (at most two: the new one and the one in transition). */
  secrets: string[];
  /** `msg_…`, the same on every retry of one delivery. */
  msgId: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact bytes that will be sent. */
  body: string | Uint8Array;
  /** The webhook's own name for the signature header (single-signature schemes only). */
  signatureHeader?: string | null;
}

/**
 * The signature headers of one attempt (synchronous, Node crypto: this runs once per request on
 * the dispatcher's hot path). Every scheme also carries webhook-id and webhook-timestamp so that
 * receivers can deduplicate. `standard` lists one signature per valid secret, space-separated, as
 * the specification allows. The single-signature schemes never list: their receivers compare the
 * header whole. During a rotation's transition the main header keeps the old secret's signature
 * (receivers not yet updated keep verifying) and `<header>-next` carries the new secret's.
 */
export function signHeaders({
  scheme,
  secrets,
  msgId,
  timestamp,
  body,
  signatureHeader,
}: SignInput): Record<string, string> {
  if (secrets.length === 0) throw new Error('signHeaders: no secret');
  const ts = String(Math.floor(timestamp));
  const headers: Record<string, string> = { [HEADERS.id]: msgId, [HEADERS.timestamp]: ts };
  if (canonicalScheme(scheme) === 'standard') {
    const signed = Buffer.concat([Buffer.from(`${msgId}.${ts}.`), Buffer.from(body)]);
    headers[HEADERS.signature] = secrets
      .map((s) => `v1,${createHmac('sha256', standardKey(s)).update(signed).digest('base64')}`)
      .join(' ');
    return headers;
  }
  const profile = singleSignatureProfile(scheme);
  if (!profile) throw new Error(`signHeaders: unknown scheme ${String(scheme)}`);
  const names = profileHeaders(profile, signatureHeader);
  const algorithm = profile.hash === 'SHA-512' ? 'sha512' : 'sha256';
  const sign = (secret: string) =>
    profile.encode(createHmac(algorithm, secret).update(body).digest('hex'));
  headers[names.signature] = sign(secrets[secrets.length - 1]!);
  if (secrets.length > 1) headers[names.next] = sign(secrets[0]!);
  if (names.timestamp) headers[names.timestamp] = ts;
  return headers;
}

/** A new webhook secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}
