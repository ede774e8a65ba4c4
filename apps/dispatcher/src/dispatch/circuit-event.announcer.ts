import { OperationalEvents, endpointOrigin, type CircuitState } from '@hookline/contracts';
import type { Message } from 'kafkajs';
import type { Logger } from '@hookline/telemetry';
import type { CircuitCause, CircuitSnapshot } from './circuit-breaker';

export interface CircuitEventAnnouncerDeps {
  publisher: { send(topic: string, message: Message): Promise<void> };
  /** hookline.operational */
  topic: string;
  cooldownMs: number;
  log: Logger;
}

/**
 * Announces an outage of a webhook's endpoint on hookline.operational: `webhook.circuit_opened`
 * when its circuit (one per endpoint URL) opens from closed, `webhook.circuit_closed` when it
 * closes again. A failed probe that opens it again for another cool-down is the same outage and is
 * not announced (an outage of hours would otherwise announce itself every cool-down), nor is
 * half-open.
 *
 * Told is the project of the webhook whose attempt caused the transition; another webhook
 * registered with the very same URL is held as well but not told (naming them would need a look-up
 * on the attempt's path). The event names the endpoint by the webhook's id and its origin, never
 * by its URL: a URL may hold a credential (a query token, a Slack-style secret path) and the event
 * travels on to the project's own subscribers. Each dispatcher replica keeps its own breaker, so
 * with R replicas an outage may be announced up to R times. Not awaited (a transition happens on
 * the attempt's path) and not retried: a lost announcement is logged; the circuit's state stays
 * readable on GET /v1/webhooks/{id}.
 */
export class CircuitEventAnnouncer {
  /** When each endpoint's outage began (the breaker forgets it when the circuit closes). */
  private readonly outages = new Map<string, number>();

  constructor(private readonly deps: CircuitEventAnnouncerDeps) {}

  announce(
    endpoint: string,
    next: CircuitSnapshot,
    previous: CircuitState,
    cause: CircuitCause | undefined,
  ): void {
    if (!cause) return;
    const message = this.message(endpoint, next, previous, cause);
    if (!message) return;
    this.deps.publisher
      .send(this.deps.topic, message)
      .catch((err: unknown) =>
        this.deps.log.warn(
          { err, state: next.state, webhookId: cause.webhookId },
          'circuit transition not announced',
        ),
      );
  }

  private message(
    endpoint: string,
    next: CircuitSnapshot,
    previous: CircuitState,
    cause: CircuitCause,
  ): Message | undefined {
    const origin = endpointOrigin(endpoint, endpoint);
    if (next.state === 'open' && previous === 'closed' && next.openedAt !== null) {
      this.outages.set(endpoint, next.openedAt);
      return OperationalEvents.webhookCircuitOpened(cause.projectId, {
        webhookId: cause.webhookId,
        origin,
        reason: next.stalled ? 'stalled' : 'failures',
        failures: next.failures,
        openedAt: new Date(next.openedAt),
        retryAt: new Date(next.openedAt + this.deps.cooldownMs),
      });
    }
    if (next.state === 'closed' && previous !== 'closed') {
      const openedAt = this.outages.get(endpoint);
      this.outages.delete(endpoint);
      return OperationalEvents.webhookCircuitClosed(
        cause.projectId,
        {
          webhookId: cause.webhookId,
          origin,
          openedAt: openedAt === undefined ? null : new Date(openedAt),
        },
        new Date(),
      );
    }
    return undefined;
  }
}
