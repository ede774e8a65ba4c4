import { z } from 'zod';

export interface EventTypeDefinition<
  Name extends string = string,
  Data extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>,
> {
  name: Name;
  description: string;
  /**
   * Validates the event's `data`. Producer types use loose objects: a field added by a newer
   * producer is accepted and delivered as sent (events evolve by adding fields), while a known
   * field of the wrong type is refused. The typed producer still flags a misspelt field at
   * compile time (`EventData` leaves the open index signature out).
   */
  data: Data;
}

export function defineEventType<
  Name extends string,
  Data extends z.ZodType<Record<string, unknown>>,
>(name: Name, description: string, data: Data): EventTypeDefinition<Name, Data> {
  return { name, description, data };
}
