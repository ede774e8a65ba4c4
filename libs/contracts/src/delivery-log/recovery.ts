import { z } from 'zod';
import { DELIVERY_STATUSES } from './delivery-log';

/** Where a recovery job is: sending, finished, or stopped (its webhook was disabled or deleted). */
export const RECOVERY_STATUSES = ['running', 'done', 'failed'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];

/**
 * A recovery (`POST /v1/webhooks/{id}/recover`) or a bulk redelivery (`POST
 * /v1/deliveries/redeliver`): the deliveries of a window re-sent in the background, in the order
 * of their events, each once. `total` is counted when the job is made (deliveries that fail while
 * it runs are sent too, and counted in the end); `sent` grows as batches go out.
 */
export const RecoveryResource = z.object({
  id: z.string(),
  /** null: every webhook of the project (a bulk redelivery without `webhook_id`). */
  webhook_id: z.string().nullable(),
  status: z.enum(RECOVERY_STATUSES),
  /** The delivery statuses re-sent. */
  statuses: z.array(z.enum(DELIVERY_STATUSES)),
  event_type: z.string().nullable(),
  since: z.string(),
  until: z.string(),
  total: z.number().int(),
  sent: z.number().int(),
  /** Why a failed job stopped. */
  error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});
export type RecoveryResource = z.infer<typeof RecoveryResource>;

/**
 * An event as `GET /v1/events` lists it: a compact record (no payload) of an event that matched
 * at least one webhook, kept as long as the delivery log.
 */
export const PublishedEventResource = z.object({
  id: z.string(),
  type: z.string(),
  occurred_at: z.string(),
  /** When its first delivery was recorded. */
  recorded_at: z.string(),
});
export type PublishedEventResource = z.infer<typeof PublishedEventResource>;
