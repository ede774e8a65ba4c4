import { z } from 'zod';
import { newId } from '../ids';

/** Platform events on `hookline.operational` (key: project id). */
export const OperationalEventSchema = z
  .object({
    id: z.string().startsWith('evt_'),
    project_id: z.string().startsWith('prj_'),
    event: z.enum(['webhook.disabled', 'webhook.enabled', 'delivery.dead']),
    occurred_at: z.iso.datetime({ offset: true }),
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
} as const;
