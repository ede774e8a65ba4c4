import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HooklineConfig } from '@hookline/config';
import {
  createLogger,
  createMetricsRegistry,
  startOpsServer,
  type Logger,
} from '@hookline/telemetry';
import { FanoutService, type FanoutTuning } from './fanout/fanout.service';

export const DEFAULT_FANOUT_METRICS_PORT = 3101;

export interface FanoutApp {
  readonly service: FanoutService;
  readonly registry: Registry;
  readonly log: Logger;
  /** `http://host:port` of /healthz, /readyz and /metrics once started. */
  opsUrl: string;
  /** Starts the ops server, then the service; resolves once events are being consumed. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The fan-out process without the process: main.ts runs one, tests start several in one process
 * (HOOKLINE_METRICS_PORT=0 gives each its own port).
 */
export function createFanoutService(config: HooklineConfig, tuning: FanoutTuning = {}): FanoutApp {
  const registry = createMetricsRegistry('fanout');
  const log = createLogger('fanout', config.HOOKLINE_LOG_LEVEL);
  const service = new FanoutService(config, registry, log, tuning);
  let ops: Server | undefined;

  const app: FanoutApp = {
    service,
    registry,
    log,
    opsUrl: '',
    async start() {
      // Up before the (possibly long) replay of the changelog: /healthz answers, /readyz says 503.
      ops = await startOpsServer({
        port: config.HOOKLINE_METRICS_PORT ?? DEFAULT_FANOUT_METRICS_PORT,
        host: config.HOOKLINE_METRICS_HOST,
        registry,
        ready: () => service.readiness(),
        live: () => service.liveness(),
      });
      const address = ops.address() as AddressInfo;
      app.opsUrl = `http://${config.HOOKLINE_METRICS_HOST}:${address.port}`;
      try {
        await service.start();
      } catch (e) {
        await app.stop();
        throw e;
      }
    },
    async stop() {
      await service.stop();
      const server = ops;
      ops = undefined;
      server?.closeAllConnections();
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
  return app;
}
