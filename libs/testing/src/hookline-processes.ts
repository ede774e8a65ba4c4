import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from './free-port';
import { spawnService, stopService, waitForHttp } from './service-process';
import {
  createTestDatabase,
  createTestTopics,
  testStackEnv,
  type TestDatabase,
  type TestStackEnv,
  type TestTopics,
} from './test-stack';

export interface HooklineProcesses {
  apiUrl: string;
  adminToken: string;
  encryptionKey: string;
  env: NodeJS.ProcessEnv;
  db: TestDatabase;
  topics: TestTopics;
  services: Record<'registry' | 'fanout' | 'dispatcher', ChildProcess>;
  opsUrls: Record<'fanout' | 'dispatcher', string>;
  restart(name: 'registry' | 'fanout' | 'dispatcher', signal?: NodeJS.Signals): Promise<void>;
  /** Ends one service (SIGTERM: graceful, bounded; SIGKILL: at once) and leaves it down. */
  kill(name: 'registry' | 'fanout' | 'dispatcher', signal?: NodeJS.Signals): Promise<void>;
  /** Starts a service that kill() ended; resolves once it is ready. */
  start(name: 'registry' | 'fanout' | 'dispatcher'): Promise<void>;
  stop(): Promise<void>;
}

export interface StartOptions {
  retrySchedule?: string;
  deliveryTimeout?: string;
  disableAfter?: number;
  /** Log file prefix under .data/logs (default e2e). */
  logPrefix?: string;
  partitions?: number;
  logLevel?: string;
  extraEnv?: Record<string, string>;
  /** Postgres and Kafka of their own (default: the test stack's). */
  stack?: TestStackEnv;
  /** The brokers the services are given, when not the stack's (a proxy in front of it). */
  serviceBrokers?: string[];
}

/**
 * Registry, fanout and dispatcher as processes on their own database and topic prefix, with a
 * short retry schedule so retry and dead-letter cases finish in seconds.
 */
export async function startHooklineProcesses(
  options: StartOptions = {},
): Promise<HooklineProcesses> {
  const schedule = options.retrySchedule ?? '300ms,600ms,900ms';
  const stack = options.stack ?? testStackEnv();
  const db = await createTestDatabase('e2e', stack);
  const partitions = options.partitions ?? 3;
  const topics = await createTestTopics(undefined, schedule.split(',').length, partitions, stack);
  const [apiPort, grpcPort, fanoutPort, dispatcherPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const adminToken = `hla_${randomBytes(18).toString('base64url')}`;
  const encryptionKey = randomBytes(32).toString('base64');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: (options.serviceBrokers ?? stack.kafkaBrokers).join(','),
    HOOKLINE_TOPIC_PREFIX: topics.prefix,
    HOOKLINE_TOPIC_PARTITIONS: String(partitions),
    HOOKLINE_API_PORT: String(apiPort),
    HOOKLINE_GRPC_PORT: String(grpcPort),
    HOOKLINE_ADMIN_TOKEN: adminToken,
    HOOKLINE_ENCRYPTION_KEY: encryptionKey,
    HOOKLINE_RETRY_SCHEDULE: schedule,
    HOOKLINE_DELIVERY_TIMEOUT: options.deliveryTimeout ?? '2s',
    HOOKLINE_DISABLE_AFTER_FAILED_DELIVERIES: String(options.disableAfter ?? 1),
    // Off unless a test sets it: suites share receivers (one origin) among unrelated webhooks.
    HOOKLINE_CIRCUIT_FAILURES: '0',
    HOOKLINE_ALLOW_PRIVATE_URLS: 'true',
    HOOKLINE_ALLOW_HTTP: 'true',
    HOOKLINE_LOG_LEVEL: options.logLevel ?? 'info',
    ...options.extraEnv,
  };
  const ports = { registry: apiPort, fanout: fanoutPort, dispatcher: dispatcherPort };
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const opsUrls = {
    fanout: `http://127.0.0.1:${fanoutPort}`,
    dispatcher: `http://127.0.0.1:${dispatcherPort}`,
  };
  const readyUrl = (name: keyof typeof ports) =>
    name === 'registry' ? `${apiUrl}/readyz` : `${opsUrls[name]}/readyz`;

  const services = {} as HooklineProcesses['services'];
  const start = async (name: keyof typeof ports) => {
    const child = spawnService(
      name,
      { ...env, HOOKLINE_METRICS_PORT: String(ports[name]) },
      { logName: `${options.logPrefix ?? 'e2e'}-${name}` },
    );
    services[name] = child;
    await waitForHttp(readyUrl(name), 90_000, child);
  };
  const kill = async (name: keyof typeof ports, signal: NodeJS.Signals = 'SIGTERM') => {
    const child = services[name];
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (signal === 'SIGKILL') {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    } else {
      await stopService(child);
    }
  };
  try {
    // The registry first: it owns the migrations' schema and publishes the changelog the others replay.
    await start('registry');
    await Promise.all([start('fanout'), start('dispatcher')]);
  } catch (e) {
    await Promise.all(Object.values(services).map((c) => stopService(c)));
    await db.drop();
    await topics.drop();
    throw e;
  }

  return {
    apiUrl,
    adminToken,
    encryptionKey,
    env,
    db,
    topics,
    services,
    opsUrls,
    async restart(name, signal = 'SIGTERM') {
      await kill(name, signal);
      await start(name);
    },
    kill: (name, signal) => kill(name, signal),
    start: (name) => start(name),
    async stop() {
      await Promise.all(Object.values(services).map((c) => stopService(c)));
      await db.drop().catch(() => undefined);
      await topics.drop();
    },
  };
}
