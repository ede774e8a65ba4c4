import { loadConfigOrExit } from '@hookline/config';
import { startTracing, stopTracing } from '@hookline/telemetry';
import { HttpDrain } from './shutdown/http-drain';

/** Requests still running this long after SIGTERM are cut: the process must end within its grace period. */
const REQUEST_DRAIN_MS = 10_000;

async function main() {
  const config = loadConfigOrExit();
  startTracing('hookline-registry');
  // Loaded once tracing has started, so that http, express, Nest, pg and kafkajs are instrumented.
  const { createRegistryApp } = await import('./registry.app');
  const { startRegistryOpsServer } = await import('./health/ops-port');
  const { startGrpcServer } = await import('./grpc/grpc.server');
  const app = await createRegistryApp(config);
  const drain = new HttpDrain(app.getHttpServer());
  const ops = await startRegistryOpsServer(app, config);
  app.getHttpServer().once('close', () => ops?.close());
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(
      JSON.stringify({ level: 'info', service: 'registry', msg: 'stopping', signal }) + '\n',
    );
    // Nest would stop the publisher and the relays before the HTTP server: requests in flight
    // would then fail to publish. The server closes first and lets them finish.
    await drain.close(REQUEST_DRAIN_MS);
    await app.close();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  await startGrpcServer(app, config);
  await app.listen(config.HOOKLINE_API_PORT, config.HOOKLINE_API_HOST);
  process.stdout.write(
    JSON.stringify({
      level: 'info',
      service: 'registry',
      msg: 'listening',
      url: `http://${config.HOOKLINE_API_HOST}:${config.HOOKLINE_API_PORT}`,
      ...(config.HOOKLINE_GRPC_PORT
        ? {
            grpc: `${config.HOOKLINE_GRPC_HOST ?? config.HOOKLINE_API_HOST}:${config.HOOKLINE_GRPC_PORT}`,
          }
        : {}),
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`registry: failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
