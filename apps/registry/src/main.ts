import { loadConfigOrExit } from '@hookline/config';
import { startTracing } from '@hookline/telemetry';
import { startRegistryOpsServer } from './health/ops-port';
import { createRegistryApp } from './registry.app';

async function main() {
  const config = loadConfigOrExit();
  startTracing('hookline-registry');
  const app = await createRegistryApp(config);
  const ops = await startRegistryOpsServer(app, config);
  app.getHttpServer().once('close', () => ops?.close());
  await app.listen(config.HOOKLINE_API_PORT, config.HOOKLINE_API_HOST);
  process.stdout.write(
    JSON.stringify({
      level: 'info',
      service: 'registry',
      msg: 'listening',
      url: `http://${config.HOOKLINE_API_HOST}:${config.HOOKLINE_API_PORT}`,
    }) + '\n',
  );
}

main().catch((e) => {
  process.stderr.write(`registry: failed to start: ${(e as Error).message}\n`);
  process.exit(1);
});
