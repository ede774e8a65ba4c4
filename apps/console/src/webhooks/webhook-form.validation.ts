import type { Webhook } from '@hookline/sdk';

export type SignatureScheme = Webhook['signature_scheme'];

/** What the webhook form holds, as typed. */
export interface WebhookFormValues {
  url: string;
  /** Event types or wildcards, separated by commas, spaces or new lines. */
  events: string;
  description: string;
  signatureScheme: SignatureScheme;
}

export interface WebhookInput {
  url: string;
  events: string[];
  description: string | null;
  signature_scheme: SignatureScheme;
}

export type FieldErrors = Partial<Record<keyof WebhookFormValues, string>>;

/** The labels of every scheme; a Record so a scheme added to the contracts fails to compile here. */
export const SIGNATURE_SCHEME_LABELS: Record<SignatureScheme, string> = {
  standard: 'Standard Webhooks (webhook-signature)',
  hop: 'Hop (x-hop-hooks-signature)',
  hostwares: 'Hostwares (x-hostwares-signature: sha256=…)',
  'hub-sha512': 'Cryptohopper (x-hub-signature, SHA-512)',
  github: 'GitHub (x-hub-signature-256: sha256=…)',
  'sha256-timestamped': 'Hostwares (old name: sha256-timestamped)',
};

// Limits of the API (apps/registry webhook.dto.ts); the API still decides, this only answers sooner.
const MAX_URL = 2048;
const MAX_EVENTS = 100;
const MAX_EVENT = 200;
const MAX_DESCRIPTION = 1000;
const EVENT_PATTERN = /^(\*|[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?)$/i;

export function splitEvents(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/**
 * Checks what the browser can check before a request: a URL that parses as http(s), one to 100
 * event names or trailing wildcards, lengths. Whether the address is allowed and each type is in
 * the catalog is the API's to say (its answer names the field).
 */
export function validateWebhookForm(
  values: WebhookFormValues,
): { ok: true; input: WebhookInput } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const url = values.url.trim();
  if (!url) errors.url = 'Enter the endpoint URL.';
  else if (url.length > MAX_URL) errors.url = `At most ${MAX_URL} characters.`;
  else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol))
      errors.url = 'Enter a full http(s) URL, e.g. https://example.com/webhooks.';
  }
  const events = splitEvents(values.events);
  if (events.length === 0) errors.events = 'Pick at least one event type (or * for all).';
  else if (events.length > MAX_EVENTS) errors.events = `At most ${MAX_EVENTS} event types.`;
  else {
    const bad = events.find((e) => e.length > MAX_EVENT || !EVENT_PATTERN.test(e));
    if (bad) errors.events = `"${bad}" is not an event type or a trailing wildcard (a.b.*).`;
  }
  if (values.description.length > MAX_DESCRIPTION)
    errors.description = `At most ${MAX_DESCRIPTION} characters.`;
  if (Object.keys(errors).length) return { ok: false, errors };
  return {
    ok: true,
    input: {
      url,
      events,
      description: values.description.trim() || null,
      signature_scheme: values.signatureScheme,
    },
  };
}

/** Transition of a rotation: a whole or decimal number of hours from 0 to 24. */
export function validateTransitionHours(
  text: string,
): { ok: true; hours: number } | { ok: false; error: string } {
  const hours = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(hours) || hours < 0 || hours > 24)
    return { ok: false, error: 'Enter a number of hours from 0 to 24.' };
  return { ok: true, hours };
}
