import type { z } from 'zod';
import { ApiError } from './api-error';

/** Parses a request body with a (strict) zod schema, answering 400 naming each bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ApiError.badRequest('the body must be a JSON object', [{ field: 'body', message: 'must be a JSON object' }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw ApiError.fromZod(result.error, 'body');
  return result.data;
}

export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const result = schema.safeParse(query ?? {});
  if (!result.success) throw ApiError.fromZod(result.error, 'query');
  return result.data;
}
