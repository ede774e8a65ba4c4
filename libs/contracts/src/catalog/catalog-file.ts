import { z } from 'zod';

/** An event type name as catalogs spell them: `deployment.completed`, `APP_CREATE`, `trade_completed`. */
const EventTypeName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'letters, digits and _ in dot-separated segments');

/** One event type of a catalog file: its name, what it means, the JSON Schema of `data`, an example. */
export const CatalogFileEventTypeSchema = z.strictObject({
  name: EventTypeName,
  description: z.string().min(1),
  /** A JSON Schema (draft 2020-12) of the event's `data`; open objects, so events can evolve. */
  schema: z.record(z.string(), z.unknown()),
  example: z.record(z.string(), z.unknown()),
});

/**
 * A catalog kept as a file in `catalogs/` (a service's event types, taken from its documentation),
 * the form an import into the registry reads.
 */
export const CatalogFileSchema = z.strictObject({
  catalog: z.string().min(1),
  /** Where the event names, fields and examples come from. */
  source: z.string().min(1),
  version: z.number().int().min(1),
  event_types: z.array(CatalogFileEventTypeSchema).min(1),
});
export type CatalogFile = z.infer<typeof CatalogFileSchema>;
