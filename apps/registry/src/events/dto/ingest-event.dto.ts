import { z } from 'zod';
import { EVENT_CATALOG, EventEnvelopeSchema, isProducerEventType } from '@hookline/contracts';

/**
 * The body of POST /v1/events. Only its shape is checked here; the event type, its `data`, the
 * `id` (`evt_…`) and `occurred_at` are validated against the catalog and the envelope by
 * @hookline/producer, which reports every bad field at once.
 */
export const IngestEventSchema = z.strictObject({
  event: z.string().min(1).max(200),
  data: z.record(z.string(), z.unknown()),
  id: z.string().min(1).optional(),
  occurred_at: z.string().min(1).optional(),
});
export type IngestEventDto = z.infer<typeof IngestEventSchema>;

/** The same body as documented: one variant per publishable type, with that type's `data`. */
export const IngestEventDocument = z.discriminatedUnion(
  'event',
  EVENT_CATALOG.filter((type) => isProducerEventType(type.name)).map((type) =>
    IngestEventSchema.extend({
      event: z.literal(type.name),
      data: type.data,
      id: EventEnvelopeSchema.shape.id.optional(),
      occurred_at: EventEnvelopeSchema.shape.occurred_at.optional(),
    }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

/** 202: the event is on Kafka (or was already, for a repeated `id`). */
export const IngestEventResponseSchema = z.object({ id: z.string() });
export type IngestEventResponse = z.infer<typeof IngestEventResponseSchema>;
