import { limitHeapGrowth, loadConfigOrExit } from '@hookline/config';
import { startTracing, stopTracing } from '@hookline/telemetry';

/** The fan-out service: hookline.events → one delivery task per matching webhook (see README.md). */
async function main() {
  const config = loadConfigOrExit();
  limitHeapGrowth(config.HOOKLINE_HEAP_GROWTH_PERCENT);
  startTracing('hookline-fanout');
  // Loaded once tracing has started, so that kafkajs, pg and http are instrumented as they load.
  const { createFanoutService } = await import('./fanout.app');
  const app = createFanoutService(config);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    await app.stop();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await app.start();
  app.log.info(
    { ops: app.opsUrl, topic: app.service.topics.events, webhooks: app.service.index.size },
    'fanout consuming',
  );
}

main().catch((e) => {
  process.stderr.write(`fanout: failed to start: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
