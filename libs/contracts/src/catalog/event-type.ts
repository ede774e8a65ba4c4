import { z } from 'zod';

export interface EventTypeDefinition<
  Name extends string = string,
  Data extends z.ZodType<Record<string, unknown>> = z.ZodType<Record<string, unknown>>,
> {
  name: Name;
  description: string;
  /** Validates the event's `data`. */
  data: Data;
}

export function defineEventType<Name extends string, Data extends z.ZodType<Record<string, unknown>>>(
  name: Name,
  description: string,
  data: Data,
): EventTypeDefinition<Name, Data> {
  return { name, description, data };
}
