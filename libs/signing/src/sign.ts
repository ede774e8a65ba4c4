import { createHmac, randomBytes } from 'node:crypto';
import { HEADERS, SECRET_PREFIX, type Scheme } from './schemes';
import { standardKey } from './secret';

export interface SignInput {
  scheme: Scheme;
  /** Every secret valid now, newest first; each yields one signature. */
  secrets: string[];
  /** `msg_…`, the same on every retry of one delivery. */
  msgId: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact bytes that will be sent. */
  body: string | Uint8Array;
}

const hmac = (
  algorithm: 'sha256' | 'sha512',
  key: Uint8Array | string,
  data: string | Uint8Array,
) => createHmac(algorithm, key).update(data);

/**
 * The signature headers of one attempt (synchronous, Node crypto: this runs once per request on
 * the dispatcher's hot path). Every scheme also carries webhook-id and webhook-timestamp so that
 * receivers can deduplicate. During a rotation the compatibility schemes list one signature per
 * secret, comma-separated; outside a rotation they carry exactly one, as their receivers expect.
 */
export function signHeaders({
  scheme,
  secrets,
  msgId,
  timestamp,
  body,
}: SignInput): Record<string, string> {
  if (secrets.length === 0) throw new Error('signHeaders: no secret');
  const ts = String(Math.floor(timestamp));
  const headers: Record<string, string> = { [HEADERS.id]: msgId, [HEADERS.timestamp]: ts };
  switch (scheme) {
    case 'standard': {
      const signed = Buffer.concat([Buffer.from(`${msgId}.${ts}.`), Buffer.from(body)]);
      headers[HEADERS.signature] = secrets
        .map((s) => `v1,${hmac('sha256', standardKey(s), signed).digest('base64')}`)
        .join(' ');
      break;
    }
    case 'hop':
      headers[HEADERS.hop] = secrets
        .map((s) => hmac('sha256', s, body).digest('hex').toUpperCase())
        .join(',');
      break;
    case 'sha256-timestamped': {
      const signed = Buffer.concat([Buffer.from(`${ts}.`), Buffer.from(body)]);
      headers[HEADERS.timestamped] = secrets
        .map((s) => `sha256=${hmac('sha256', s, signed).digest('hex')}`)
        .join(',');
      headers[HEADERS.timestampedTimestamp] = ts;
      break;
    }
    case 'hub-sha512':
      headers[HEADERS.hub] = secrets.map((s) => hmac('sha512', s, body).digest('hex')).join(',');
      break;
    default:
      throw new Error(`signHeaders: unknown scheme ${String(scheme)}`);
  }
  return headers;
}

/** A new webhook secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}
