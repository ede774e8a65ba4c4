import { z } from 'zod';
import { newId } from '../ids';
import { instant } from '../instant';
import { refuseUnportableText } from '../text/portable-text';

/** Platform events on `hookline.operational` (key: project id). */
export const OperationalEventSchema = z
  .object({
    // What consumers store (a dead delivery's row) must be text and times Postgres takes: one
    // announcement it refused would be retried forever and hold those after it on its partition.
    id: z.string().startsWith('evt_').max(128).superRefine(refuseUnportableText),
    project_id: z.string().startsWith('prj_').max(128).superRefine(refuseUnportableText),
    event: z.enum([
      'webhook.disabled',
      'webhook.enabled',
      'delivery.dead',
      'webhook.circuit_opened',
      'webhook.circuit_closed',
      'webhook.throttled',
      'webhook.verification_failed',
    ]),
    occurred_at: instant(),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();
export type OperationalEvent = z.infer<typeof OperationalEventSchema>;

/** An operational event ready for Kafka (key: project id). */
export interface OperationalMessage {
  key: string;
  value: string;
}

function operational(
  projectId: string,
  event: OperationalEvent['event'],
  occurredAt: Date,
  data: Record<string, unknown>,
): OperationalMessage {
  const value = OperationalEventSchema.parse({
    id: newId('event'),
    project_id: projectId,
    event,
    occurred_at: occurredAt.toISOString(),
    data,
  });
  return { key: projectId, value: JSON.stringify(value) };
}

/** Every operational event is built here, schema-checked, keyed by project id. */
export const OperationalEvents = {
  webhookDisabled: (projectId: string, webhookId: string, reason: string, at: Date) =>
    operational(projectId, 'webhook.disabled', at, { webhook_id: webhookId, reason }),
  webhookEnabled: (projectId: string, webhookId: string, at: Date) =>
    operational(projectId, 'webhook.enabled', at, { webhook_id: webhookId }),
  deliveryDead: (
    projectId: string,
    dead: {
      webhookId: string;
      deliveryId: string;
      eventId: string;
      /** The type of the event that died: tells an operational delivery's death apart. */
      eventType: string;
      attempts: number;
      lastError: string;
    },
    at: Date,
  ) =>
    operational(projectId, 'delivery.dead', at, {
      webhook_id: dead.webhookId,
      delivery_id: dead.deliveryId,
      event_id: dead.eventId,
      event_type: dead.eventType,
      attempts: dead.attempts,
      last_error: dead.lastError,
    }),
  /**
   * The circuit of the webhook's endpoint (its URL) opened, after its failures or because it
   * stalled (`reason`): no attempt is made to it until `retry_at`, when one probe goes. Announced
   * to the project of the webhook whose attempt opened it. `origin` locates the endpoint; its URL
   * is left out (it may hold a secret).
   */
  webhookCircuitOpened: (
    projectId: string,
    opened: {
      webhookId: string;
      origin: string;
      reason: 'failures' | 'stalled';
      failures: number;
      openedAt: Date;
      retryAt: Date;
    },
  ) =>
    operational(projectId, 'webhook.circuit_opened', opened.openedAt, {
      webhook_id: opened.webhookId,
      origin: opened.origin,
      reason: opened.reason,
      failures: opened.failures,
      opened_at: opened.openedAt.toISOString(),
      retry_at: opened.retryAt.toISOString(),
    }),
  /** A probe of an open circuit's endpoint succeeded: attempts to it go again. */
  webhookCircuitClosed: (
    projectId: string,
    closed: { webhookId: string; origin: string; openedAt: Date | null },
    at: Date,
  ) =>
    operational(projectId, 'webhook.circuit_closed', at, {
      webhook_id: closed.webhookId,
      origin: closed.origin,
      opened_at: closed.openedAt?.toISOString() ?? null,
    }),
  /**
   * A webhook's `throttle_per_second` began holding a backlog: tasks over the rate wait on the
   * retry tiers for their send slot; `held_until` is the slot of the task that began it.
   */
  webhookThrottled: (
    projectId: string,
    throttled: { webhookId: string; perSecond: number; heldUntil: Date },
    at: Date,
  ) =>
    operational(projectId, 'webhook.throttled', at, {
      webhook_id: throttled.webhookId,
      throttle_per_second: throttled.perSecond,
      held_until: throttled.heldUntil.toISOString(),
    }),
  /** The endpoint verification handshake of a webhook failed (see EndpointVerifier). */
  webhookVerificationFailed: (
    projectId: string,
    failed: { webhookId: string; url: string; status: number | null; error: string },
    at: Date,
  ) =>
    operational(projectId, 'webhook.verification_failed', at, {
      webhook_id: failed.webhookId,
      url: failed.url,
      status: failed.status,
      error: failed.error,
    }),
} as const;
