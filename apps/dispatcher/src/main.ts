import { limitHeapGrowth, loadConfigOrExit } from '@hookline/config';
import { createLogger, startOpsServer, startTracing, stopTracing } from '@hookline/telemetry';
import { compileNewCodeToBaseline } from './runtime/baseline-tier';

async function main() {
  const config = loadConfigOrExit();
  limitHeapGrowth(config.HOOKLINE_HEAP_GROWTH_PERCENT);
  startTracing('hookline-dispatcher');
  // Loaded once tracing has started, so that kafkajs, pg and http are instrumented as they load.
  const { createDispatcher } = await import('./dispatcher');
  const log = createLogger('dispatcher', config.HOOKLINE_LOG_LEVEL);
  const dispatcher = createDispatcher(config);
  const port = config.HOOKLINE_METRICS_PORT ?? 3102;
  // Answers from the start: /readyz says 503 until the view has caught up and the consumers joined.
  const ops = await startOpsServer({
    port,
    host: config.HOOKLINE_METRICS_HOST,
    registry: dispatcher.registry,
    ready: () => dispatcher.readiness(),
    live: () => dispatcher.liveness(),
  });
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log.info('stopping: finishing the attempts in flight');
    await dispatcher.stop();
    ops.close();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await dispatcher.start();
  compileNewCodeToBaseline();
  log.info({ port }, 'dispatcher consuming');
}

main().catch((e) => {
  process.stderr.write(`dispatcher: failed: ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
