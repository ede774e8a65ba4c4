import { z } from 'zod';

/**
 * The body of POST /v1/events. Only its shape is checked here; the event type, its `data`, the
 * `id` (`evt_…`) and `occurred_at` are validated against the catalog by @hookline/producer.
 */
export const IngestEventSchema = z.strictObject({
  event: z.string().min(1).max(200),
  data: z.record(z.string(), z.unknown()),
  id: z.string().min(1).optional(),
  occurred_at: z.string().min(1).optional(),
});
export type IngestEventDto = z.infer<typeof IngestEventSchema>;

/** 202: the event is on Kafka (or was already, for a repeated `id`). */
export const IngestEventResponseSchema = z.object({ id: z.string() });
export type IngestEventResponse = z.infer<typeof IngestEventResponseSchema>;
