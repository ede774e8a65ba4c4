import 'reflect-metadata';
import { dirname } from 'node:path';
import { NotFoundException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import type { HooklineConfig } from '@hookline/config';
import type { Registry } from 'prom-client';
import type { Logger } from '@hookline/telemetry';
import { AppModule } from './app.module';
import { framingHeaders, serveConsole } from './console/console.static';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { httpMetrics } from './common/http-metrics.middleware';
import { methodNotAllowed } from './common/method-not-allowed.middleware';
import { requestContext } from './common/request-context.middleware';
import { connectGrpcServer } from './grpc/grpc.server';
import { hasOwnOpsPort } from './health/ops-port';
import { LOGGER, METRICS } from './infra/tokens';
import { RouteCatalog } from './openapi/route-catalog';

/** Ingest accepts events up to 256 KiB; larger bodies answer 413. */
export const MAX_BODY = '256kb';

/** `true`/`false`, a hop count, or addresses and subnets, as Express reads `trust proxy`. */
function trustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Builds the registry's Nest application (used by main.ts and by the tests): the HTTP API, and the
 * gRPC server, which binds on startGrpcServer.
 */
export async function createRegistryApp(config: HooklineConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  const log = app.get<Logger>(LOGGER);
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  if (config.HOOKLINE_TRUST_PROXY) app.set('trust proxy', trustProxy(config.HOOKLINE_TRUST_PROXY));
  const errors = new ApiExceptionFilter(log);
  const json = express.json({ limit: MAX_BODY, strict: false, type: 'application/json' });
  if (hasOwnOpsPort(config)) {
    // Served on the ops port (startRegistryOpsServer), which no public Service exposes.
    app.use('/metrics', (req: express.Request, res: express.Response) =>
      errors.write(req, res, new NotFoundException()),
    );
  }
  app.use(httpMetrics(app.get<Registry>(METRICS)));
  app.use(framingHeaders(config.HOOKLINE_CONSOLE_FRAME_ANCESTORS));
  app.use(requestContext(log));
  const routes = app.get(RouteCatalog);
  app.use(methodNotAllowed((path) => routes.methodsAt(path)));
  // Body-parser errors (bad JSON, too large) happen before Nest's filters: answer them the same way.
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) =>
    json(req, res, (err?: unknown) => (err ? errors.write(req, res, err) : next())),
  );
  app.use('/docs/assets', express.static(dirname(require.resolve('swagger-ui-dist/package.json'))));
  serveConsole(app, config.HOOKLINE_CONSOLE_DIR);
  app.useGlobalFilters(errors);
  connectGrpcServer(app, config);
  // Node ends a keep-alive connection after 5 s idle, shorter than clients and load balancers
  // keep theirs (undici 4 s by its own timer, which a busy client runs late; balancers ~60 s): a
  // request then goes out on a connection the server has just closed and fails. The server holds
  // idle connections longer than its clients, as a proxy's upstream should.
  const server = app.getHttpServer();
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return app;
}
