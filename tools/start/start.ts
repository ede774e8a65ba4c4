import type { ChildProcess } from 'node:child_process';
import { runMigrations } from '@hookline/persistence';
import { StackError, stackUp } from '../stack/stack';
import { localSecrets } from './local-secrets';
import { serviceExists, spawnService, waitForHttp } from '@hookline/testing';

/** The apps `npm start` runs, in start order; an app that does not exist yet is skipped. */
const SERVICES = ['registry', 'fanout', 'dispatcher'] as const;

/**
 * `npm start`: the local stack, migrations, every service, then the URLs. Ctrl-C stops the
 * services; the stack keeps running for the next start (`npm run stack down` stops it).
 */
async function main() {
  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const { state } = await stackUp('dev', (l) => say(`[stack] ${l}`));
  const migrated = await runMigrations(state.databaseUrl);
  if (migrated.length) say(`[db] migrations applied: ${migrated.join(', ')}`);

  const { adminToken, encryptionKey } = localSecrets();
  const apiPort = process.env.HOOKLINE_API_PORT ?? '3000';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: state.databaseUrl,
    KAFKA_BROKERS: state.kafkaBrokers,
    HOOKLINE_API_PORT: apiPort,
    HOOKLINE_ADMIN_TOKEN: adminToken,
    HOOKLINE_ENCRYPTION_KEY: encryptionKey,
    HOOKLINE_ALLOW_PRIVATE_URLS: process.env.HOOKLINE_ALLOW_PRIVATE_URLS ?? 'true',
    HOOKLINE_ALLOW_HTTP: process.env.HOOKLINE_ALLOW_HTTP ?? 'true',
  };

  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('SIGINT', () => {
    say('\nstopping services (the stack keeps running; `npm run stack down` stops it)…');
    stopAll();
    setTimeout(() => process.exit(0), 3000).unref();
  });
  process.on('SIGTERM', () => {
    stopAll();
    process.exit(0);
  });

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (const app of SERVICES.filter(serviceExists)) {
    const child = spawnService(app, env);
    children.push(child);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGTERM') say(`[${app}] exited (${signal ?? code}); see .data/logs/${app}.log`);
    });
    if (app === 'registry') await waitForHttp(`${apiUrl}/healthz`, 60_000, child);
    say(`[${app}] started, logs in .data/logs/${app}.log`);
  }

  say('');
  say(`Hookline is running (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  say(`  API          ${apiUrl}   (docs: ${apiUrl}/docs)`);
  say(`  admin token  ${adminToken}`);
  say(`  Postgres     ${state.databaseUrl}`);
  say(`  Kafka        ${state.kafkaBrokers}`);
  say('Press Ctrl-C to stop.');
}

main().catch((e) => {
  process.stderr.write(e instanceof StackError ? `${e.message}\n` : `start: ${(e as Error).message}\n`);
  process.exit(1);
});
