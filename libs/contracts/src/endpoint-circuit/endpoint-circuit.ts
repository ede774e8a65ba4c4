import { z } from 'zod';

/**
 * The circuit breaker of an endpoint (a webhook's URL: every webhook registered with that same URL
 * shares one), as the dispatcher records its transitions and the API shows it on the webhook
 * resource.
 */
export const CIRCUIT_STATES = ['closed', 'open', 'half_open'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

export const CircuitResource = z.object({
  state: z.enum(CIRCUIT_STATES),
  /** When it last opened; null while closed. */
  opened_at: z.string().nullable(),
  /** Consecutive failed attempts when it last changed state. */
  failures: z.number().int(),
});
export type CircuitResource = z.infer<typeof CircuitResource>;

/**
 * A webhook URL's two keys from one parse (the dispatcher needs both for every send): `origin`,
 * which its connections are limited by, and `circuit`, which its circuit breaker is kept for (see
 * endpointCircuitKey). Both are `fallback` (the webhook's id) when the URL does not parse.
 */
export function endpointKeys(
  url: string | undefined,
  fallback: string,
): { origin: string; circuit: string } {
  try {
    if (!url) return { origin: fallback, circuit: fallback };
    const parsed = new URL(url);
    parsed.hash = '';
    return { origin: parsed.origin, circuit: parsed.href };
  } catch {
    return { origin: fallback, circuit: fallback };
  }
}

/** The origin a webhook's URL is limited by (its own id when the URL does not parse). */
export function endpointOrigin(url: string | undefined, fallback: string): string {
  return endpointKeys(url, fallback).origin;
}

/**
 * The endpoint a webhook's circuit breaker is kept for: its whole URL, path and query included, as
 * normalized by the URL parser (its own id when the URL does not parse). Not its origin: many
 * tenants' endpoints share one (hooks.slack.com, a customer's API host), and one failing endpoint
 * must not hold the others' deliveries. The fragment is never sent, so it is left out. The key may
 * hold a credential (in the query, or the path of a Slack-style URL): never log it nor make it a
 * metric label.
 */
export function endpointCircuitKey(url: string | undefined, fallback: string): string {
  return endpointKeys(url, fallback).circuit;
}
