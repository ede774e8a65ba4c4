import { z } from 'zod';
import { MAX_JSON_DEPTH } from '@hookline/contracts';
import { successStatuses, type ApiRouteSpec } from './api-route.decorator';

const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })),
  }),
});

/** Every string the API reads refuses U+0000 (see validation.ts); the document says so. */
const NO_NUL = '^[^\\u0000]*$';

const PORTABLE_JSON_REF = '#/components/schemas/PortableJson';
/**
 * Any JSON value the API can store: what an open object (an event's `data`, which takes fields
 * the catalog does not name) accepts beyond its known fields.
 */
const PORTABLE_JSON = {
  description: 'Any JSON value whose strings and keys contain no U+0000',
  anyOf: [
    { type: 'string', pattern: NO_NUL },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: { $ref: PORTABLE_JSON_REF } },
    {
      type: 'object',
      propertyNames: { pattern: NO_NUL },
      additionalProperties: { $ref: PORTABLE_JSON_REF },
    },
  ],
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: the body, query or path breaks the schema, or a rule it cannot express',
  401: 'Missing or invalid credentials',
  403: 'Forbidden: the admin token is not configured, or a `read` API key called a write',
  404: 'Not found',
  409: 'Conflict with the current state; retry',
  413: 'The body is larger than 256 KiB',
  415: 'The body is not application/json',
  429: 'A limit of the project (rate, test pings, redeliveries) or of the client address (too many bad credentials); retry after `Retry-After` seconds',
  503: 'A dependency is unavailable; retry after `Retry-After` seconds',
};

/**
 * The error statuses a route can answer, from its shape: any body can be malformed, too large or
 * of the wrong type; a path names something that may not exist; credentials may be wrong; the
 * database behind a credentialed route may be unreachable.
 */
export function errorStatuses(route: ApiRouteSpec): number[] {
  const hasPathParams = route.path.includes('{');
  const statuses = new Set<number>(route.errors ?? []);
  if (route.auth !== 'none') statuses.add(401);
  if (route.auth === 'admin') statuses.add(403);
  // A `read` key may only read; every credentialed route may meet a limit (limits/, auth/).
  if (route.auth === 'api_key' && route.method !== 'get') statuses.add(403);
  if (route.auth !== 'none') statuses.add(429);
  // A credentialed route reads or writes Postgres, which may be unreachable for a while.
  if (route.auth !== 'none') statuses.add(503);
  if (route.method === 'post' || route.method === 'put' || route.method === 'patch')
    [400, 413, 415].forEach((s) => statuses.add(s));
  if (route.query || hasPathParams) statuses.add(400);
  if (hasPathParams) statuses.add(404);
  return [...statuses].sort();
}

export function buildOpenApiDocument(
  routes: readonly ApiRouteSpec[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    (paths[route.path] ??= {})[route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookline API',
      version,
      description:
        'Webhooks: projects, API keys, webhooks, events, deliveries. Every string read (body, ' +
        'query, path) must be storable: U+0000 and unpaired UTF-16 surrogates are refused with ' +
        `400, as is JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A project API key (hlk_…)' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'HOOKLINE_ADMIN_TOKEN' },
      },
      schemas: { PortableJson: PORTABLE_JSON },
    },
    paths,
  };
}

function operation(route: ApiRouteSpec): Record<string, unknown> {
  const responses: Record<string, unknown> = {};
  for (const status of successStatuses(route)) responses[String(status)] = success(route, status);
  for (const status of errorStatuses(route)) {
    responses[String(status)] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error',
      content: { 'application/json': { schema: schema(ErrorBody) } },
    };
  }
  const body = route.bodyDocument ?? route.body;
  return {
    operationId: operationId(route),
    summary: route.summary,
    tags: [route.tag],
    security:
      route.auth === 'none' ? [] : [{ [route.auth === 'admin' ? 'adminToken' : 'apiKey']: [] }],
    parameters: [...pathParameters(route.path), ...queryParameters(route.query)],
    ...(body
      ? {
          requestBody: {
            required: !route.bodyOptional,
            content: { 'application/json': { schema: schema(body) } },
          },
        }
      : {}),
    responses,
  };
}

function success(route: ApiRouteSpec, status: number) {
  if (status === 204) return { description: 'No content' };
  const contentType = route.contentType ?? 'application/json';
  return {
    description: 'OK',
    content: { [contentType]: { schema: route.response ? schema(route.response) : {} } },
  };
}

/** `GET /v1/webhooks/{id}/deliveries` → `get_v1_webhooks_id_deliveries`. */
function operationId(route: ApiRouteSpec): string {
  return [route.method, ...route.path.split(/[^a-zA-Z0-9]+/).filter(Boolean)].join('_');
}

function pathParameters(path: string) {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string', minLength: 1, pattern: NO_NUL },
  }));
}

function queryParameters(query: z.ZodType | undefined) {
  if (!query) return [];
  const json = schema(query) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: 'query',
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}

function schema(s: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return refuseNul(json);
}

/**
 * Makes every string rule of a JSON Schema the one that runs: where zod states a format with its
 * own pattern (email, date-time), the pattern is what zod checks and other validators read the
 * format differently, so only the pattern stays; every free-text string refuses NUL.
 */
function refuseNul(node: Record<string, unknown>): Record<string, unknown> {
  for (const value of Object.values(node)) {
    if (Array.isArray(value))
      value.forEach((v) => typeof v === 'object' && v !== null && refuseNul(v as never));
    else if (typeof value === 'object' && value !== null) refuseNul(value as never);
  }
  if (node.type === 'string' && node.format && node.pattern) delete node.format;
  // An open object's extra fields: any storable JSON, under storable keys.
  const extra = node.additionalProperties;
  if (typeof extra === 'object' && extra !== null && Object.keys(extra).length === 0) {
    node.additionalProperties = { $ref: PORTABLE_JSON_REF };
    node.propertyNames = { pattern: NO_NUL };
  }
  const free = node.type === 'string' && !node.format && !node.enum && node.const === undefined;
  if (!free) return node;
  if (node.pattern === undefined && node.allOf === undefined) node.pattern = NO_NUL;
  else node.allOf = [...((node.allOf as unknown[]) ?? []), { pattern: NO_NUL }];
  return node;
}
