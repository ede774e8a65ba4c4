import type { IncomingHttpHeaders } from 'node:http';
import {
  HEADERS,
  WebhookVerificationError,
  detectScheme,
  verify,
  type Scheme,
} from '@hookline/signing';

export type SignatureStatus = 'valid' | 'invalid' | 'unverified';

/** What `hookline listen` tells about one request. */
export interface InspectedWebhook {
  scheme: Scheme | null;
  signature: SignatureStatus;
  /** Why the signature is invalid ("Invalid signature", "Timestamp outside tolerance", …). */
  reason?: string;
  msgId?: string;
  event?: string;
  eventId?: string;
  webhookId?: string;
  occurredAt?: string;
  /** From the event's occurred_at to its arrival here. */
  latencyMs?: number;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function envelopeFields(body: Buffer, receivedAt: number): Partial<InspectedWebhook> {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    const text = (key: string) =>
      typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined;
    const occurredAt = text('occurred_at');
    const occurredMs = occurredAt ? Date.parse(occurredAt) : NaN;
    return {
      event: text('event'),
      eventId: text('id'),
      webhookId: text('webhook_id'),
      occurredAt,
      latencyMs: Number.isNaN(occurredMs) ? undefined : receivedAt - occurredMs,
    };
  } catch {
    return {};
  }
}

/**
 * Verifies a request with the given secrets (any scheme, told by its headers) and reads the
 * envelope's fields for display; the fields are shown even when the signature is invalid.
 */
export async function inspectWebhook(
  body: Buffer,
  headers: IncomingHttpHeaders,
  secrets: string[],
  options: { receivedAt: number; tolerance?: number },
): Promise<InspectedWebhook> {
  const fields = envelopeFields(body, options.receivedAt);
  const msgId = headerValue(headers, HEADERS.id);
  let scheme: Scheme | null = null;
  try {
    scheme = detectScheme(headers);
  } catch {
    return {
      ...fields,
      msgId,
      scheme,
      signature: 'invalid',
      reason: 'Missing header: no signature header',
    };
  }
  if (secrets.length === 0) return { ...fields, msgId, scheme, signature: 'unverified' };
  try {
    await verify(body, headers, secrets, { tolerance: options.tolerance, scheme });
    return { ...fields, msgId, scheme, signature: 'valid' };
  } catch (e) {
    if (!(e instanceof WebhookVerificationError)) throw e;
    return { ...fields, msgId, scheme, signature: 'invalid', reason: e.message };
  }
}
