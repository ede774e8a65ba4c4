import { z } from 'zod';

export interface EventTypeDefinition<
  Name extends string = string,
  Data extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>,
> {
  name: Name;
  description: string;
  /**
   * Validates the event's `data`. Producer types use strict objects, so a misspelt optional field
   * is reported rather than silently dropped, and the JSON Schema says `additionalProperties: false`.
   */
  data: Data;
}

export function defineEventType<
  Name extends string,
  Data extends z.ZodType<Record<string, unknown>>,
>(name: Name, description: string, data: Data): EventTypeDefinition<Name, Data> {
  return { name, description, data };
}
