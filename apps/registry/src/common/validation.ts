import { z } from 'zod';
import { findUnportableText } from '@hookline/contracts';
import { ApiError, fieldPath } from './api-error';

/**
 * Request validation at the boundary, for every controller:
 *
 *   const Body = z.object({ name: z.string() });
 *   @Post() create(@Body() body: unknown) { return this.svc.create(parseBody(Body, body)); }
 *   @Get() list(@Query() query: unknown) { const { limit } = parseQuery(ListQuery, query); … }
 *
 * A top-level object schema is made strict here (unknown fields are refused even when the schema
 * forgot `.strict()`); a failure throws ApiError 400 whose `details` name each bad field
 * (`events[0]`, `colour`, …), which the global filter writes as `{error: {code, message, details}}`.
 * Before the schema, any string Postgres or JSON cannot carry (NUL, an unpaired surrogate), keys
 * and nested values included, is refused the same way: no schema has to remember it.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ApiError.badRequest('the body must be a JSON object', [
      { field: 'body', message: 'must be a JSON object' },
    ]);
  }
  refuseUnportable(body, 'body');
  const result = strict(schema).safeParse(body);
  if (!result.success) throw ApiError.fromZod(result.error, 'body');
  return result.data as z.output<S>;
}

/** Query strings arrive as strings: use `z.coerce` for numbers. Unknown parameters are refused. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  refuseUnportable(query ?? {}, 'query');
  const result = strict(schema).safeParse(query ?? {});
  if (!result.success) throw ApiError.fromZod(result.error, 'query');
  return result.data as z.output<S>;
}

/** A path parameter: any text that can be stored (what it names is the service's concern). */
export function parseParam(name: string, value: string | undefined): string {
  refuseUnportable({ [name]: value }, 'path');
  return value ?? '';
}

function refuseUnportable(value: unknown, where: 'body' | 'query' | 'path'): void {
  const issues = findUnportableText(value);
  if (issues.length === 0) return;
  const details = issues.map((i) => ({ field: fieldPath(i.path) || where, message: i.message }));
  throw ApiError.badRequest(`invalid ${where}: ${details.map((d) => d.field).join(', ')}`, details);
}

const stricter = new WeakMap<z.ZodType, z.ZodType>();

/** The schema with unknown keys refused, when it is a plain object schema that lets them through. */
function strict(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodObject) || schema.def.catchall !== undefined) return schema;
  let made = stricter.get(schema);
  if (!made) stricter.set(schema, (made = schema.strict()));
  return made;
}
