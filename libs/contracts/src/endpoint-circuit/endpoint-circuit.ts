import { z } from 'zod';

/**
 * The circuit breaker of an endpoint origin (scheme, host and port: every webhook on it shares
 * one), as the dispatcher records its transitions and the API shows it on the webhook resource.
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

/** The origin a webhook's URL is limited and broken by (its own id when the URL does not parse). */
export function endpointOrigin(url: string | undefined, fallback: string): string {
  try {
    return url ? new URL(url).origin : fallback;
  } catch {
    return fallback;
  }
}
