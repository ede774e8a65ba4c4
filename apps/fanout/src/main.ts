import { loadConfigOrExit } from '@hookline/config';
import { createLogger, createMetricsRegistry, startOpsServer, startTracing, stopTracing } from '@hookline/telemetry';
import { FanoutService } from './fanout/fanout.service';

async function main() {
  const config = loadConfigOrExit();
  startTracing('hookline-fanout');
  const log = createLogger('fanout', config.HOOKLINE_LOG_LEVEL);
  const registry = createMetricsRegistry('fanout');
  const service = new FanoutService(config, registry);
  // The ops server answers from the start: /readyz says 503 until the index has caught up.
  const ops = await startOpsServer({
    port: config.HOOKLINE_METRICS_PORT ?? 3101,
    host: config.HOOKLINE_METRICS_HOST,
    registry,
    ready: () => service.readiness(),
  });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await service.stop();
    ops.close();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await service.start();
  log.info({ port: config.HOOKLINE_METRICS_PORT ?? 3101 }, 'fanout consuming');
}

main().catch((e) => {
  process.stderr.write(`fanout: failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
