import 'reflect-metadata';
import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { HooklineConfig } from '@hookline/config';
import type { Registry } from 'prom-client';
import type { Logger } from '@hookline/telemetry';
import { AppModule } from './app.module';
import { framingHeaders, serveConsole, serveStatic } from './console/console.static';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { httpMetrics } from './common/http-metrics.middleware';
import { jsonBodyParser } from './common/json-body.parser';
import { methodNotAllowed } from './common/method-not-allowed.middleware';
import { requestContext, requestIdOf } from './common/request-context.middleware';
import { pathOf } from './common/request-path';
import { connectGrpcServer } from './grpc/grpc.server';
import { hasOwnOpsPort } from './health/ops-port';
import { LOGGER, METRICS } from './infra/tokens';
import { RouteCatalog } from './openapi/route-catalog';

/** Ingest accepts events up to 256 KiB; larger bodies answer 413. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Node ends a keep-alive connection after 5 s idle, shorter than clients and load balancers keep
 * theirs (undici 4 s by its own timer, which a busy client runs late; balancers ~60 s): a request
 * then goes out on a connection the server has just closed and fails. The server holds idle
 * connections longer than its clients, as a proxy's upstream should.
 */
const KEEP_ALIVE_MS = 65_000;

/** `true`/`false`, a hop count, or addresses and subnets (comma-separated), as proxy-addr reads them. */
function trustProxy(value: string | undefined): boolean | number | string {
  if (!value || value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Builds the registry's Nest application (used by main.ts and by the tests): the HTTP API on
 * Fastify, and the gRPC server, which binds on startGrpcServer.
 */
export async function createRegistryApp(config: HooklineConfig): Promise<NestFastifyApplication> {
  // Refusals Fastify makes before any route (a URL that is not valid percent-encoding) are
  // answered as every other error; the filter needs the app's logger, so it is set once made.
  let errors: ApiExceptionFilter | undefined;
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: trustProxy(config.HOOKLINE_TRUST_PROXY),
    keepAliveTimeout: KEEP_ALIVE_MS,
    // Node's own bound on receiving a whole request (Fastify would lift it): a client that sends
    // its body slowly cannot hold a connection for ever.
    requestTimeout: 300_000,
    genReqId: (req: IncomingMessage) => requestIdOf(req.headers),
    frameworkErrors: (error: FastifyError, req: FastifyRequest, reply: FastifyReply) =>
      errors!.write(req, reply, error),
    // No Nest middleware here: every cross-cutting step is a Fastify hook below.
    skipMiddie: true,
    // As Express routed: a trailing slash and the path's case do not matter; ids may be long.
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 1000 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  const log = app.get<Logger>(LOGGER);
  const fastify = app.getHttpAdapter().getInstance();
  const filter = (errors = new ApiExceptionFilter(log));
  // Only JSON is read; any other body is refused (415) before it is parsed.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    jsonBodyParser,
  );
  const ownOpsPort = hasOwnOpsPort(config);
  const metrics = httpMetrics(app.get<Registry>(METRICS));
  const context = requestContext(log);
  const routes = app.get(RouteCatalog);
  const refuseMethod = methodNotAllowed((path) => routes.methodsAt(path));
  const framing = framingHeaders(config.HOOKLINE_CONSOLE_FRAME_ANCESTORS);
  // One hook for the steps every request takes, in their order: fewer hook calls per request.
  fastify.addHook('onRequest', (req, reply, done) => {
    const path = pathOf(req.url);
    framing(path, reply);
    // Served on the ops port (startRegistryOpsServer), which no public Service exposes.
    if (ownOpsPort && (path === '/metrics' || path.startsWith('/metrics/')))
      return filter.write(req, reply, new NotFoundException());
    if (context.onRequest(req, reply)) return;
    // Only a request no route took can be one for a method its path does not serve.
    if (req.routeOptions.url === undefined && refuseMethod(req, reply, path)) return;
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    metrics(req, reply);
    context.onResponse(req, reply);
    done();
  });
  serveStatic(fastify, '/docs/assets', dirname(require.resolve('swagger-ui-dist/package.json')));
  serveConsole(fastify, config.HOOKLINE_CONSOLE_DIR);
  app.useGlobalFilters(filter);
  connectGrpcServer(app, config);
  const server = app.getHttpServer();
  server.headersTimeout = KEEP_ALIVE_MS + 1_000;
  return app;
}
