import { z } from 'zod';
import { EVENT_CATALOG, isProducerEventType } from '@hookline/contracts';

/**
 * The body of POST /v1/events. Only its shape is checked here; the event type and its `data` are
 * validated against the catalog by @hookline/producer (its errors name the valid types).
 */
export const IngestEventSchema = z.strictObject({
  event: z.string().min(1).max(200),
  data: z.record(z.string(), z.unknown()),
  id: z.string().startsWith('evt_').max(128).optional(),
  occurred_at: z.iso.datetime({ offset: true }).optional(),
});
export type IngestEventDto = z.infer<typeof IngestEventSchema>;

/** The same body as documented: one variant per publishable type, with that type's `data`. */
export const IngestEventDocument = z.discriminatedUnion(
  'event',
  EVENT_CATALOG.filter((type) => isProducerEventType(type.name)).map((type) =>
    IngestEventSchema.extend({ event: z.literal(type.name), data: type.data }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

/** 202: the event is on Kafka (or was already, for a repeated `id`). */
export const IngestEventResponseSchema = z.object({ id: z.string() });
export type IngestEventResponse = z.infer<typeof IngestEventResponseSchema>;
