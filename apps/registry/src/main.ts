import { loadConfigOrExit } from '@hookline/config';
import { startTracing } from '@hookline/telemetry';
import { startGrpcServer } from './grpc/grpc.server';
import { createRegistryApp } from './registry.app';

async function main() {
  const config = loadConfigOrExit();
  startTracing('hookline-registry');
  const app = await createRegistryApp(config);
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
