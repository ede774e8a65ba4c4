import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const DATA_DIR = join(REPO_ROOT, '.data');
export const LOG_DIR = join(DATA_DIR, 'logs');
export const KAFKA_LIBS_DIR = join(DATA_DIR, 'kafka', 'libs');

export type StackName = 'dev' | 'test';

export interface StackLayout {
  /** `dev`, `test`, or a scratch stack's label. */
  name: string;
  /** Its data is thrown away: Kafka starts from empty storage, Postgres trades durability for speed. */
  throwaway: boolean;
  /** Where this stack keeps its state file and server data. */
  root: string;
  stateFile: string;
  postgresDir: string;
  kafkaDataDir: string;
  kafkaConfigFile: string;
  postgresLog: string;
  kafkaLog: string;
  /** Fixed ports for the dev stack; 0 = pick free ports (the test stack, so two clones can test at once). */
  postgresPort: number;
  kafkaPort: number;
  kafkaControllerPort: number;
}

export function stackLayout(name: StackName): StackLayout {
  // The dev stack keeps the paths a newcomer expects (.data/postgres, .data/kafka).
  const root = name === 'dev' ? DATA_DIR : join(DATA_DIR, name);
  const envPort = (variable: string, fallback: number) => {
    const raw = process.env[variable];
    if (raw === undefined || raw === '') return fallback;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new Error(`${variable}: "${raw}" is not a port (0-65535)`);
    }
    return port;
  };
  const dev = name === 'dev';
  return {
    name,
    throwaway: !dev,
    root,
    stateFile: join(root, `stack-${name}.json`),
    postgresDir: join(root, 'postgres'),
    kafkaDataDir: join(root, 'kafka', 'data'),
    kafkaConfigFile: join(root, 'kafka', 'server.properties'),
    postgresLog: join(LOG_DIR, dev ? 'postgres.log' : `postgres-${name}.log`),
    kafkaLog: join(LOG_DIR, dev ? 'kafka.log' : `kafka-${name}.log`),
    postgresPort: dev ? envPort('HOOKLINE_PG_PORT', 54320) : 0,
    kafkaPort: dev ? envPort('HOOKLINE_KAFKA_PORT', 19092) : 0,
    kafkaControllerPort: dev ? envPort('HOOKLINE_KAFKA_CONTROLLER_PORT', 19093) : 0,
  };
}

/**
 * A throwaway stack of its own under .data/scratch/<label>-<pid>, on free ports: for a chaos
 * scenario that kills Kafka or stops Postgres, which must not take down the test stack that other
 * suites share meanwhile.
 */
export function scratchLayout(label: string): StackLayout {
  const name = `scratch-${label}-${process.pid}`;
  const root = join(DATA_DIR, 'scratch', `${label}-${process.pid}`);
  return {
    name,
    throwaway: true,
    root,
    stateFile: join(root, 'stack.json'),
    postgresDir: join(root, 'postgres'),
    kafkaDataDir: join(root, 'kafka', 'data'),
    kafkaConfigFile: join(root, 'kafka', 'server.properties'),
    postgresLog: join(LOG_DIR, `postgres-${name}.log`),
    kafkaLog: join(LOG_DIR, `kafka-${name}.log`),
    postgresPort: 0,
    kafkaPort: 0,
    kafkaControllerPort: 0,
  };
}
