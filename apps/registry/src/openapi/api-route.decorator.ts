import {
  Header,
  HttpCode,
  RequestMapping,
  RequestMethod,
  SetMetadata,
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { parseBody, parseParam, parseQuery } from '../common/validation';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Everything about a route but its method and path: how it is checked and documented. */
export interface ApiRouteOptions {
  summary: string;
  tag: string;
  auth: 'api_key' | 'admin' | 'none';
  /** Validates the body (@RouteBody()) and documents it. */
  body?: z.ZodType;
  /** The body may be left out; it then reads as `{}`. */
  bodyOptional?: boolean;
  /**
   * Documents the body more precisely than `body` checks its shape, for a rule applied after
   * parsing from the same source (the ingest's per-type `data`, checked against the catalog).
   */
  bodyDocument?: z.ZodType;
  /** Validates the query string (@RouteQuery()) and documents its parameters. */
  query?: z.ZodType;
  /** The success body (JSON unless `contentType` says otherwise). */
  response?: z.ZodType;
  contentType?: string;
  /** Statuses answered with the success body; the first is the usual one (default 200). */
  status?: number | number[];
  /** Error statuses beyond those the route's shape implies (see openapi-document.ts). */
  errors?: number[];
}

export interface ApiRouteSpec extends ApiRouteOptions {
  method: HttpMethod;
  /** The OpenAPI path, e.g. `/v1/webhooks/{id}`. */
  path: string;
}

export const API_ROUTE = Symbol('hookline:api-route');

const NEST_METHODS: Record<HttpMethod, RequestMethod> = {
  get: RequestMethod.GET,
  post: RequestMethod.POST,
  put: RequestMethod.PUT,
  patch: RequestMethod.PATCH,
  delete: RequestMethod.DELETE,
};

/**
 * The one declaration of an HTTP route: Nest's mapping and status, the validation of its input
 * (@RouteBody(), @RouteQuery(), @RouteParam()) and its /openapi.json entry all come from it.
 * Use on a controller without a path prefix:
 *
 *   @ApiRoute('get', '/v1/webhooks/{id}', { summary: 'Get a webhook', tag, auth: 'api_key',
 *     response: WebhookResponse })
 *   get(@CurrentKey() caller: CallerKey, @RouteParam('id') id: string) { … }
 */
export function ApiRoute(method: HttpMethod, path: string, options: ApiRouteOptions) {
  const spec: ApiRouteSpec = { method, path, ...options };
  return applyDecorators(
    RequestMapping({ method: NEST_METHODS[method], path: path.replace(/\{(\w+)\}/g, ':$1') }),
    HttpCode(successStatuses(spec)[0]!),
    ...(options.contentType ? [Header('content-type', options.contentType)] : []),
    SetMetadata(API_ROUTE, spec),
  );
}

export function successStatuses(spec: ApiRouteOptions): number[] {
  return spec.status === undefined ? [200] : [spec.status].flat();
}

function routeOf(ctx: ExecutionContext): ApiRouteSpec {
  const spec = Reflect.getMetadata(API_ROUTE, ctx.getHandler()) as ApiRouteSpec | undefined;
  if (!spec) throw new Error(`${ctx.getHandler().name}: route input read without @ApiRoute`);
  return spec;
}

/** The body, validated with the route's `body` schema. */
export const RouteBody = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const spec = routeOf(ctx);
  if (!spec.body)
    throw new Error(`${spec.method} ${spec.path}: @RouteBody() without a body schema`);
  const body = ctx.switchToHttp().getRequest<FastifyRequest>().body as unknown;
  return parseBody(spec.body, body === undefined && spec.bodyOptional ? {} : body);
});

/** The query string, validated with the route's `query` schema. */
export const RouteQuery = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  const spec = routeOf(ctx);
  if (!spec.query) throw new Error(`${spec.method} ${spec.path}: @RouteQuery() without a schema`);
  return parseQuery(spec.query, ctx.switchToHttp().getRequest<FastifyRequest>().query);
});

/** A path parameter, refused (400) when it holds text that cannot be stored. */
export const RouteParam = createParamDecorator((name: string, ctx: ExecutionContext) => {
  routeOf(ctx);
  const value = ctx.switchToHttp().getRequest<FastifyRequest<{ Params: Record<string, unknown> }>>()
    .params[name];
  return parseParam(name, typeof value === 'string' ? value : undefined);
});
