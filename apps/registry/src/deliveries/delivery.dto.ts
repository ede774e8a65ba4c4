import { z } from 'zod';
import { AttemptResource, DELIVERY_STATUSES, DeliveryResource } from '@hookline/contracts';
import { utcInstant } from '../common/instant.schema';

export const ListDeliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
    status: z.enum(DELIVERY_STATUSES).optional(),
    /** An event type (`project.updated`) or one event's id (`evt_…`). */
    event: z.string().min(1).max(200).optional(),
    /** Deliveries created at or after this instant. */
    since: utcInstant.optional(),
    /** Deliveries created before this instant. */
    until: utcInstant.optional(),
  })
  .strict();
export type ListDeliveriesQuery = z.infer<typeof ListDeliveriesQuery>;

/** Test and redeliver take no options; an empty object (or no body) is accepted. */
export const EmptyBody = z.object({}).strict();

export const DeliveryResponse = DeliveryResource;
export type DeliveryResponse = DeliveryResource;
export const AttemptResponse = AttemptResource;
export type AttemptResponse = AttemptResource;

export const DeliveryWithAttemptsResponse = DeliveryResponse.extend({
  attempts_log: z.array(AttemptResponse),
  /** The event envelope that was (and will be) delivered. */
  event: z.record(z.string(), z.unknown()),
});
export type DeliveryWithAttemptsResponse = z.infer<typeof DeliveryWithAttemptsResponse>;

export const RedeliverResponse = z.object({
  delivery_id: z.string(),
  attempt: z.number().int(),
  status: z.literal('queued'),
});

export const TestResponse = z.object({
  delivery_id: z.string(),
  event_id: z.string(),
  /** `pending` when the attempt had not finished within the wait (see the delivery log then). */
  status: z.enum(DELIVERY_STATUSES),
  response_status: z.number().int().nullable(),
  response_body: z.string().nullable(),
  duration_ms: z.number().int().nullable(),
  error_class: z.string().nullable(),
  error: z.string().nullable(),
});
export type TestResponse = z.infer<typeof TestResponse>;
