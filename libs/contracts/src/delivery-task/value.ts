import { z } from 'zod';
import { EventEnvelopeSchema } from '../envelope/event-envelope';
import { instant } from '../instant';
import { refuseUnportableText } from '../text/portable-text';

/** The largest attempt number: a Postgres `integer`, as the delivery log keeps it. */
const MAX_ATTEMPT = 2_147_483_647;

/**
 * One delivery of one event to one webhook, on `hookline.deliveries` and the retry tiers
 * (key: webhook id). `attempt` is the number of the attempt this message asks for (1 = first).
 */
export const DeliveryTaskSchema = z
  .object({
    // Both go into look-ups batched with other tenants' tasks and into the log's keys: text
    // Postgres refuses, or a key too long for an index, would fail them all.
    delivery_id: z.string().startsWith('msg_').max(128).superRefine(refuseUnportableText),
    webhook_id: z.string().startsWith('wh_').max(128).superRefine(refuseUnportableText),
    // A larger one would be sent and its log row refused.
    attempt: z.number().int().min(1).max(MAX_ATTEMPT),
    /** Earliest time (ISO) this attempt may start; absent means now. */
    not_before: instant().optional(),
    /** Set when a person asked for it (redeliver, test): bypasses dedup of finished deliveries. */
    manual: z.boolean().optional(),
    last_error: z.string().max(2000).optional(),
    /**
     * The chain of attempts this task belongs to: absent (0) for the first; a replay or a
     * redeliver starts a new one, numbered by when it started (ms since epoch). The delivery
     * log lets only a later chain replace a final status (succeeded, failed).
     */
    chain: z.number().int().min(0).optional(),
    /**
     * Set on a task held back by its webhook's throttle: `not_before` is the send slot reserved
     * for it, so when it falls due it goes without taking another.
     */
    throttle_slot: z.literal(true).optional(),
    /**
     * When the delivery was born (ISO): the timestamp of its event's record on hookline.events,
     * stamped by the fan-out — the same on a replay of that record — and carried unchanged by
     * every retry, dead letter, replay and redeliver. The delivery log's `created_at` and
     * partition key. Absent on tasks written before it existed (the log then finds the row by id).
     * A time Postgres cannot store is refused here: it would fail the look-ups and log writes that
     * other tenants' tasks share with this one.
     */
    created_at: instant().optional(),
    event: EventEnvelopeSchema,
  })
  .strict();
export type DeliveryTask = z.infer<typeof DeliveryTaskSchema>;
