import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logLevel } from 'kafkajs';
import { topicNames, topicSpecs } from '@hookline/contracts';
import { createKafka, ensureTopics } from '@hookline/kafka';
import { parseDurationList } from '@hookline/config';
import { startKafka, waitForKafkaReady, type SaslSslListener } from './kafka-server';
import { ensureKafkaTlsMaterial } from './kafka-tls';
import { canConnect, postgresUrl, startPostgres } from './postgres-server';
import { StackError, freePort, isOurProcess, stopProcess } from './processes';
import { stackLayout, type StackLayout, type StackName } from './stack-paths';

export interface StackState {
  name: StackName;
  databaseUrl: string;
  /** The database test suites clone from (same server as databaseUrl). */
  testDatabaseUrl: string;
  kafkaBrokers: string;
  postgres: { pid: number; port: number; dataDir: string } | { external: true };
  kafka:
    | {
        pid: number;
        port: number;
        controllerPort: number;
        configFile: string;
        /** The test stack's SASL_SSL listener (dev stacks and external brokers have none). */
        saslSsl?: SaslSslEndpoint;
      }
    | { external: true };
}

/** How a test reaches the SASL_SSL listener: one user for PLAIN and both SCRAMs. */
export interface SaslSslEndpoint {
  broker: string;
  caFile: string;
  username: string;
  password: string;
}

export interface UpResult {
  state: StackState;
  /** What this call started (and so what its caller should stop). */
  started: { postgres: boolean; kafka: boolean };
}

type Log = (line: string) => void;

function readState(layout: StackLayout): StackState | undefined {
  if (!existsSync(layout.stateFile)) return undefined;
  try {
    return JSON.parse(readFileSync(layout.stateFile, 'utf8')) as StackState;
  } catch {
    return undefined;
  }
}

function writeState(layout: StackLayout, state: StackState) {
  mkdirSync(layout.root, { recursive: true });
  writeFileSync(layout.stateFile, JSON.stringify(state, null, 2) + '\n');
}

function postgresRunning(
  state: StackState | undefined,
): state is StackState & { postgres: { pid: number; port: number; dataDir: string } } {
  return (
    !!state && 'pid' in state.postgres && isOurProcess(state.postgres.pid, state.postgres.dataDir)
  );
}

function kafkaRunning(state: StackState | undefined): state is StackState & {
  kafka: { pid: number; port: number; controllerPort: number; configFile: string };
} {
  return !!state && 'pid' in state.kafka && isOurProcess(state.kafka.pid, state.kafka.configFile);
}

/** Starts what is not running yet (or reuses it), waits until both answer, creates the topics. */
export async function stackUp(name: StackName, log: Log = () => undefined): Promise<UpResult> {
  const layout = stackLayout(name);
  const previous = readState(layout);
  const started = { postgres: false, kafka: false };
  const externalDb = process.env.DATABASE_URL;
  const externalKafka = process.env.KAFKA_BROKERS;

  let postgres: StackState['postgres'];
  let databaseUrl: string;
  let testDatabaseUrl: string;
  if (externalDb) {
    postgres = { external: true };
    databaseUrl = externalDb;
    testDatabaseUrl = externalDb;
  } else if (postgresRunning(previous) && (await canConnect(previous.postgres.port))) {
    postgres = previous.postgres;
    databaseUrl = postgresUrl(previous.postgres.port);
    testDatabaseUrl = postgresUrl(previous.postgres.port, 'hookline_test');
    log(
      `postgres: reusing the running server (pid ${previous.postgres.pid}, port ${previous.postgres.port})`,
    );
  } else {
    const port = layout.postgresPort || (await freePort());
    const pg = await startPostgres(layout, port);
    started.postgres = true;
    postgres = { pid: pg.pid, port: pg.port, dataDir: pg.dataDir };
    databaseUrl = postgresUrl(pg.port);
    testDatabaseUrl = postgresUrl(pg.port, 'hookline_test');
    log(`postgres: started (pid ${pg.pid}) on 127.0.0.1:${pg.port}`);
  }

  let kafka: StackState['kafka'];
  let kafkaBrokers: string;
  try {
    if (externalKafka) {
      kafka = { external: true };
      kafkaBrokers = externalKafka;
      await waitForKafkaReady(externalKafka.split(','), 20_000);
    } else if (kafkaRunning(previous)) {
      kafka = previous.kafka;
      kafkaBrokers = `127.0.0.1:${previous.kafka.port}`;
      await waitForKafkaReady([kafkaBrokers], 30_000);
      log(
        `kafka: reusing the running broker (pid ${previous.kafka.pid}, port ${previous.kafka.port})`,
      );
    } else {
      const port = layout.kafkaPort || (await freePort());
      let controllerPort = layout.kafkaControllerPort || (await freePort());
      while (controllerPort === port) controllerPort = await freePort();
      const saslSsl =
        layout.name === 'test'
          ? await saslSslListener(layout, [port, controllerPort], log)
          : undefined;
      const k = await startKafka(layout, port, controllerPort, log, { saslSsl });
      started.kafka = true;
      kafka = {
        pid: k.pid,
        port: k.port,
        controllerPort: k.controllerPort,
        configFile: layout.kafkaConfigFile,
        ...(saslSsl && {
          saslSsl: {
            broker: `127.0.0.1:${saslSsl.port}`,
            caFile: saslSsl.tls.caFile,
            username: saslSsl.username,
            password: saslSsl.password,
          },
        }),
      };
      kafkaBrokers = `127.0.0.1:${k.port}`;
      log(`kafka: started (pid ${k.pid}) on 127.0.0.1:${k.port}`);
    }
    const state: StackState = { name, databaseUrl, testDatabaseUrl, kafkaBrokers, postgres, kafka };
    writeState(layout, state);
    await createTopics(state);
    return { state, started };
  } catch (e) {
    // Leave nothing half-started behind.
    if (started.postgres && 'pid' in postgres) await stopProcess(postgres.pid, 'SIGINT', 15_000);
    if (started.postgres || started.kafka) rmSync(layout.stateFile, { force: true });
    throw e;
  }
}

/**
 * Only the test stack has it: tests of TLS and SASL need it, `npm start` does not. Its port is
 * picked free like the others, so a second clone's test stack does not clash; the password is new
 * at every start (the storage is formatted anew too).
 */
async function saslSslListener(
  layout: StackLayout,
  taken: number[],
  log: Log,
): Promise<SaslSslListener> {
  const dir = join(layout.root, 'kafka', 'tls');
  if (!existsSync(join(dir, '.complete'))) {
    log('kafka: making a test CA and broker certificate with keytool (first run only)…');
  }
  const tls = ensureKafkaTlsMaterial(dir);
  let port = await freePort();
  while (taken.includes(port)) port = await freePort();
  return { port, tls, username: 'hookline', password: randomBytes(12).toString('hex') };
}

async function createTopics(state: StackState) {
  const schedule = parseDurationList(process.env.HOOKLINE_RETRY_SCHEDULE || '10s,60s,5m,30m,2h');
  const kafka = createKafka({
    brokers: state.kafkaBrokers.split(','),
    clientId: 'hookline-stack',
    logLevel: logLevel.NOTHING,
  });
  const topics = topicNames(process.env.HOOKLINE_TOPIC_PREFIX ?? '', schedule.length);
  await ensureTopics(kafka, topicSpecs(topics, Number(process.env.HOOKLINE_TOPIC_PARTITIONS || 6)));
}

/** Stops exactly the processes this stack started, by pid; external servers are left alone. */
export async function stackDown(name: StackName, log: Log = () => undefined): Promise<void> {
  const layout = stackLayout(name);
  const state = readState(layout);
  if (!state) {
    log(`stack ${name}: not running`);
    return;
  }
  if (kafkaRunning(state)) {
    log(`kafka: stopping pid ${state.kafka.pid}`);
    await stopProcess(state.kafka.pid, 'SIGTERM', 30_000);
  }
  if (postgresRunning(state)) {
    log(`postgres: stopping pid ${state.postgres.pid}`);
    // SIGINT is Postgres's "fast" shutdown: roll back open transactions, then exit cleanly.
    await stopProcess(state.postgres.pid, 'SIGINT', 30_000);
  }
  rmSync(layout.stateFile, { force: true });
}

export async function stackStatus(
  name: StackName,
): Promise<{ running: boolean; state?: StackState; lines: string[] }> {
  const layout = stackLayout(name);
  const state = readState(layout);
  if (!state) return { running: false, lines: [`stack ${name}: not running`] };
  const pgUp = 'external' in state.postgres ? true : postgresRunning(state);
  const kafkaUp = 'external' in state.kafka ? true : kafkaRunning(state);
  return {
    running: pgUp && kafkaUp,
    state,
    lines: [
      `postgres: ${'external' in state.postgres ? 'external' : pgUp ? `running, pid ${state.postgres.pid}` : 'stopped'} — ${state.databaseUrl}`,
      `kafka:    ${'external' in state.kafka ? 'external' : kafkaUp ? `running, pid ${state.kafka.pid}` : 'stopped'} — ${state.kafkaBrokers}`,
    ],
  };
}

export { StackError };
