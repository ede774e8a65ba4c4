import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { HooklineConfig } from '@hookline/config';
import type { Registry } from 'prom-client';
import { startOpsServer } from '@hookline/telemetry';
import { METRICS } from '../infra/tokens';
import { HealthService } from './health.service';

/**
 * True when HOOKLINE_METRICS_PORT names a port of its own: /metrics then leaves the API port, so
 * that a public Service in front of the API does not publish it. The same port as the API (what
 * `npm start` and the tests pass) keeps everything on one server.
 */
export function hasOwnOpsPort(config: HooklineConfig): boolean {
  const port = config.HOOKLINE_METRICS_PORT;
  return port !== undefined && port !== config.HOOKLINE_API_PORT;
}

/** /healthz, /readyz and /metrics on HOOKLINE_METRICS_PORT, when it is a port of its own. */
export async function startRegistryOpsServer(
  app: INestApplication,
  config: HooklineConfig,
): Promise<Server | undefined> {
  if (!hasOwnOpsPort(config)) return undefined;
  const health = app.get(HealthService);
  return startOpsServer({
    port: config.HOOKLINE_METRICS_PORT!,
    host: config.HOOKLINE_METRICS_HOST,
    registry: app.get<Registry>(METRICS),
    ready: () => health.readiness(),
  });
}
