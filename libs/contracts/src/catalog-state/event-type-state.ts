import { z } from 'zod';

/**
 * One event type of the catalog as data, published on `hookline.catalog.changelog` (key: the
 * type's name, compacted) after every change. A type is never deleted, only deprecated: events of
 * it already on Kafka must still validate.
 */
export const EventTypeStateSchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string(),
  /** JSON Schema (draft 2020-12) of the event's `data`. */
  schema: z.record(z.string(), z.unknown()),
  example: z.record(z.string(), z.unknown()),
  /** Raised by every change; a consumer ignores a state older than one it has seen. */
  version: z.number().int().min(1),
  deprecated: z.boolean(),
  /** Part of the built-in catalog of libs/contracts (the typed producer's compile-time types). */
  built_in: z.boolean(),
  updated_at: z.iso.datetime({ offset: true }),
});
export type EventTypeState = z.infer<typeof EventTypeStateSchema>;

/** The Kafka message of a catalog change. */
export const CatalogChangelog = {
  message(state: EventTypeState): { key: string; value: string } {
    return { key: state.name, value: JSON.stringify(EventTypeStateSchema.parse(state)) };
  },
  /** Parses a record read back; throws a ZodError or SyntaxError when bad. */
  decode(value: Buffer | string): EventTypeState {
    return EventTypeStateSchema.parse(JSON.parse(value.toString()));
  },
};
