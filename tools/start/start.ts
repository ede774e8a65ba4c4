import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { runMigrations } from '@hookline/persistence';
import { join } from 'node:path';
import {
  MailCatcher,
  ensureConsoleBuilt,
  serviceExists,
  spawnService,
  waitForHttp,
} from '@hookline/testing';
import { StackError, stackUp } from '../stack/stack';
import { DATA_DIR } from '../stack/stack-paths';
import { DEMO_NOTIFICATION_EMAIL, ensureDemo } from './demo';
import { localSecrets } from './local-secrets';

/** The services `npm start` runs, in start order, with the port of their /healthz. */
const SERVICES = [
  { app: 'registry', port: () => Number(process.env.HOOKLINE_API_PORT || 3000) },
  { app: 'fanout', port: () => 3101 },
  { app: 'dispatcher', port: () => 3102 },
] as const;

/**
 * `npm start`: the local stack, migrations, every service, a demo project whose webhook points at
 * a local `hookline listen` receiver, and the reference producer at a gentle rate, so signed
 * deliveries show up in this terminal. Ctrl-C stops everything it started except the stack
 * (`npm run stack down` stops that).
 */
async function main() {
  const t0 = Date.now();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const { state } = await stackUp('dev', (l) => say(`[stack] ${l}`));
  const migrated = await runMigrations(state.databaseUrl);
  if (migrated.length) say(`[db] migrations applied: ${migrated.join(', ')}`);

  const consoleBuild = await ensureConsoleBuilt();
  if (consoleBuild.built) say(`[console] built to dist/console in ${consoleBuild.ms} ms`);

  // The services' e-mail goes to a catcher in this process, on a free port of 127.0.0.1 (a second
  // copy of `npm start` gets its own), kept as .eml files; a real HOOKLINE_SMTP_URL wins.
  const mailDir = join(DATA_DIR, 'mail');
  const catcher = process.env.HOOKLINE_SMTP_URL
    ? undefined
    : await MailCatcher.start({
        port: Number(process.env.HOOKLINE_MAIL_CATCHER_PORT || 0),
        dir: mailDir,
        onMail: (m) => say(`[mail] to ${m.to.join(', ')}: ${m.subject} (in ${mailDir})`),
      });
  const smtpUrl = process.env.HOOKLINE_SMTP_URL || catcher!.url;

  const { adminToken, encryptionKey } = localSecrets();
  const apiPort = process.env.HOOKLINE_API_PORT || '3000';
  const receiverPort = process.env.HOOKLINE_DEMO_RECEIVER_PORT || '4000';
  const rate = process.env.HOOKLINE_DEMO_RATE || '1';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: state.databaseUrl,
    KAFKA_BROKERS: state.kafkaBrokers,
    HOOKLINE_API_PORT: apiPort,
    HOOKLINE_ADMIN_TOKEN: adminToken,
    HOOKLINE_ENCRYPTION_KEY: encryptionKey,
    HOOKLINE_ALLOW_PRIVATE_URLS: process.env.HOOKLINE_ALLOW_PRIVATE_URLS ?? 'true',
    HOOKLINE_ALLOW_HTTP: process.env.HOOKLINE_ALLOW_HTTP ?? 'true',
    HOOKLINE_SMTP_URL: smtpUrl,
  };

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = () => {
    stopping = true;
    void catcher?.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
  process.on('SIGINT', () => {
    say('\nstopping (the stack keeps running; `npm run stack down` stops it)…');
    stopAll();
    setTimeout(() => process.exit(0), 3000).unref();
  });
  process.on('SIGTERM', () => {
    stopAll();
    process.exit(0);
  });
  const watch = (name: string, child: ChildProcess) => {
    children.push(child);
    child.on('exit', (code, signal) => {
      if (!stopping) say(`[${name}] exited (${signal ?? code}); see .data/logs/${name}.log`);
    });
  };

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (const { app, port } of SERVICES.filter((s) => serviceExists(s.app))) {
    const child = spawnService(app, { ...env, HOOKLINE_METRICS_PORT: String(port()) });
    watch(app, child);
    await waitForHttp(`http://127.0.0.1:${port()}/healthz`, 90_000, child);
    say(`[${app}] started on :${port()}, logs in .data/logs/${app}.log`);
  }

  const receiverUrl = `http://127.0.0.1:${receiverPort}/hook`;
  const demo = await ensureDemo(apiUrl, adminToken, receiverUrl);
  if (serviceExists('cli')) {
    // The receiver prints each verified delivery; its output is this terminal's live view.
    const listener = spawnService(
      'cli',
      { ...env, HOOKLINE_WEBHOOK_SECRET: demo.secret },
      {
        args: ['listen', '--port', receiverPort, '--secret', demo.secret],
        logName: 'receiver',
        pipe: true,
      },
    );
    watch('receiver', listener);
    createInterface({ input: listener.stdout! }).on('line', (line) => say(`[receiver] ${line}`));
  }
  if (serviceExists('producer')) {
    const producer = spawnService('producer', env, {
      args: ['--rate', rate, '--projects', demo.projectId],
    });
    watch('producer', producer);
  }

  say('');
  say(`Hookline is running (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  say(`  console        ${apiUrl}/console   (sign in with the demo API key)`);
  say(`  API            ${apiUrl}   (docs ${apiUrl}/docs)`);
  say(`  admin token    ${adminToken}`);
  say(`  demo project   ${demo.projectId}`);
  say(`  demo API key   ${demo.apiKey}`);
  say(`  demo webhook   ${demo.webhookId} → ${receiverUrl} (hookline listen)`);
  say(`  Postgres       ${state.databaseUrl}`);
  say(`  Kafka          ${state.kafkaBrokers}`);
  say(
    catcher
      ? `  mail           ${catcher.url}: caught mail (to ${DEMO_NOTIFICATION_EMAIL} for the demo) as .eml files in ${mailDir}`
      : `  mail           ${smtpUrl.replace(/\/\/[^@/]*@/, '//')} (HOOKLINE_SMTP_URL)`,
  );
  say(`Try: curl -H "Authorization: Bearer ${demo.apiKey}" ${apiUrl}/v1/webhooks`);
  say(`Producer at ${rate} event/s to the demo project; deliveries appear below. Ctrl-C stops.`);
}

main().catch((e) => {
  process.stderr.write(
    e instanceof StackError ? `${e.message}\n` : `start: ${(e as Error).message}\n`,
  );
  process.exit(1);
});
