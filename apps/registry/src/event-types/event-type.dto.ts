import { z } from 'zod';

const JsonObject = z.record(z.string(), z.unknown());

/** Dot-separated segments of letters, digits and `_`: `deployment.completed`, `APP_CREATE`. */
export const EventTypeName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, 'letters, digits and _ in dot-separated segments');

export const EventTypeResponse = z.object({
  name: z.string(),
  description: z.string(),
  /** JSON Schema (draft 2020-12) of the event's `data`. */
  schema: JsonObject,
  example: JsonObject,
  version: z.number().int(),
  deprecated: z.boolean(),
  /** Part of the built-in catalog (typed in @hookline/producer). */
  built_in: z.boolean(),
  /** Emitted by Hookline only: subscribable, never publishable. */
  platform: z.boolean(),
  updated_at: z.string(),
});
export type EventTypeResponse = z.infer<typeof EventTypeResponse>;

export const EventTypeListResponse = z.object({ data: z.array(EventTypeResponse) });

export const CreateEventTypeBody = z.strictObject({
  name: EventTypeName,
  description: z.string().min(1).max(1000),
  schema: JsonObject,
  example: JsonObject,
});
export type CreateEventTypeBody = z.infer<typeof CreateEventTypeBody>;

export const UpdateEventTypeBody = z.strictObject({
  description: z.string().min(1).max(1000).optional(),
  schema: JsonObject.optional(),
  example: JsonObject.optional(),
  /** Listed as deprecated; events of it are still accepted and delivered. */
  deprecated: z.boolean().optional(),
});
export type UpdateEventTypeBody = z.infer<typeof UpdateEventTypeBody>;
