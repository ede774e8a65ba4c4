import { z } from 'zod';
import { refuseUnportableText } from '../text/portable-text';

const EnvelopeFields = z
  .object({
    id: z.string().startsWith('evt_').max(128),
    project_id: z.string().startsWith('prj_').max(128),
    event: z.string().min(1).max(200),
    occurred_at: z.iso.datetime({ offset: true }),
    data: z.record(z.string(), z.unknown()),
  })
  .strict();

/**
 * What a producer publishes to `hookline.events` (key: project id). Text Postgres or JSON cannot
 * carry (NUL, unpaired surrogates) is refused anywhere in it: a producer fails at once, and a
 * consumer reading such an event dead-letters it instead of wedging on a jsonb write.
 */
export const EventEnvelopeSchema = EnvelopeFields.superRefine(refuseUnportableText);
export type EventEnvelope = z.infer<typeof EventEnvelopeSchema>;

/** The body POSTed to an endpoint: the event envelope plus the webhook it is delivered to. */
export const WebhookPayloadSchema = EnvelopeFields.extend({
  webhook_id: z.string().startsWith('wh_'),
})
  .strict()
  .superRefine(refuseUnportableText);
export type WebhookPayload = z.infer<typeof WebhookPayloadSchema>;

/** Field order of the body sent to endpoints, as DESIGN.md shows it. */
export function toWebhookPayload(envelope: EventEnvelope, webhookId: string): WebhookPayload {
  return {
    id: envelope.id,
    webhook_id: webhookId,
    project_id: envelope.project_id,
    event: envelope.event,
    occurred_at: envelope.occurred_at,
    data: envelope.data,
  };
}
