import { z } from 'zod';

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** OpenAPI path, e.g. `/v1/webhooks/{id}`. */
  path: string;
  summary: string;
  tag: string;
  auth?: 'api_key' | 'admin' | 'none';
  body?: z.ZodType;
  query?: z.ZodType;
  response?: z.ZodType;
  /** Status of a successful answer (default 200). */
  status?: number;
  errors?: number[];
}

const routes: RouteDoc[] = [];

/**
 * Declares a route for /openapi.json, next to its controller: the same zod schemas that validate
 * requests describe them, so the document cannot drift from the code.
 */
export function declareRoute(route: RouteDoc): void {
  if (!routes.some((r) => r.method === route.method && r.path === route.path)) routes.push(route);
}

const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })),
  }),
});

const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...routes].sort((a, b) => a.path.localeCompare(b.path))) {
    const parameters = [
      ...[...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...queryParameters(r.query),
    ];
    const responses: Record<string, unknown> = {
      [String(r.status ?? 200)]: r.response
        ? { description: 'OK', content: { 'application/json': { schema: schema(r.response) } } }
        : { description: 'OK' },
    };
    for (const status of r.errors ?? [400, 401, 404]) {
      responses[String(status)] = {
        description: 'Error',
        content: { 'application/json': { schema: schema(ErrorBody) } },
      };
    }
    paths[r.path] ??= {};
    paths[r.path]![r.method] = {
      summary: r.summary,
      tags: [r.tag],
      security: r.auth === 'none' ? [] : [{ [r.auth === 'admin' ? 'adminToken' : 'apiKey']: [] }],
      parameters,
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schema(r.body) } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookline API',
      version,
      description: 'Webhooks: projects, API keys, webhooks, events, deliveries.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'A project API key (hlk_…)' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'HOOKLINE_ADMIN_TOKEN' },
      },
    },
    paths,
  };
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
