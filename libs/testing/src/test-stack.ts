import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { ConfigResourceTypes, logLevel, type Kafka } from 'kafkajs';
import { topicNames, topicSpecs, type Topics } from '@hookline/contracts';
import { createKafka, deleteTopics, ensureTopics, smallestMaxMessageBytes } from '@hookline/kafka';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations, type MIGRATIONS } from '@hookline/persistence';
import { pollUntil } from './poll-until';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface TestStackEnv {
  /** A database on the stack's server that suites may create databases beside. */
  adminDatabaseUrl: string;
  kafkaBrokers: string[];
  /** The test stack's SASL_SSL listener; absent on a dev stack or an external broker. */
  kafkaSaslSsl?: SaslSslEndpoint;
}

/** The broker's TLS + SASL listener: its CA (PEM file) and one user for PLAIN and both SCRAMs. */
export interface SaslSslEndpoint {
  broker: string;
  caFile: string;
  username: string;
  password: string;
}

/**
 * Where the real Postgres and Kafka are: from the environment `npm test` sets, else from the state
 * file of a running test or dev stack (so one suite can be run on its own after `npm run stack up`).
 */
export function testStackEnv(): TestStackEnv {
  const db = process.env.HOOKLINE_TEST_DATABASE_URL;
  const brokers = process.env.HOOKLINE_TEST_KAFKA_BROKERS;
  if (db && brokers) {
    const saslSsl = process.env.HOOKLINE_TEST_KAFKA_SASL_SSL;
    return {
      adminDatabaseUrl: db,
      kafkaBrokers: brokers.split(','),
      ...(saslSsl && { kafkaSaslSsl: JSON.parse(saslSsl) as SaslSslEndpoint }),
    };
  }
  for (const file of [
    join(REPO_ROOT, '.data', 'test', 'stack-test.json'),
    join(REPO_ROOT, '.data', 'stack-dev.json'),
  ]) {
    if (!existsSync(file)) continue;
    const state = JSON.parse(readFileSync(file, 'utf8')) as {
      testDatabaseUrl: string;
      kafkaBrokers: string;
      kafka: { saslSsl?: SaslSslEndpoint };
    };
    return {
      adminDatabaseUrl: state.testDatabaseUrl,
      kafkaBrokers: state.kafkaBrokers.split(','),
      ...(state.kafka.saslSsl && { kafkaSaslSsl: state.kafka.saslSsl }),
    };
  }
  throw new Error('No local stack: run `npm test`, or `npm run stack up` first');
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** `url` with its database replaced by `database`. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Runs one statement on the stack's admin database (creating and dropping test databases). */
export async function adminQuery(adminDatabaseUrl: string, sql: string): Promise<void> {
  const c = new Client({ connectionString: adminDatabaseUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh, migrated database of its own for one suite. */
export async function createTestDatabase(
  prefix = 't',
  stack: TestStackEnv = testStackEnv(),
): Promise<TestDatabase> {
  const db = migrationDatabase(prefix, stack);
  await db.create();
  await runMigrations(db.url);
  return { url: db.url, name: db.name, drop: db.drop };
}

/**
 * An empty database of the test stack for a migration's test: `create` it, `migrate` it up to the
 * migration before the one under test, write rows as the code before did, then `migrate` once
 * more (or undo the last) as an upgrade (or a rollback) would.
 */
export function migrationDatabase(prefix: string, stack: TestStackEnv = testStackEnv()) {
  const { adminDatabaseUrl } = stack;
  const name = uniqueName(prefix).toLowerCase();
  const url = withDatabase(adminDatabaseUrl, name);
  return {
    url,
    name,
    create: () => adminQuery(adminDatabaseUrl, `create database "${name}"`),
    drop: () => adminQuery(adminDatabaseUrl, `drop database if exists "${name}" with (force)`),
    /** Runs `migrations` not yet run; with `undoLast`, undoes the last of them instead. */
    async migrate(migrations: typeof MIGRATIONS, undoLast = false): Promise<void> {
      const ds = new DataSource({ ...dataSourceOptions({ url, poolSize: 1 }), migrations });
      await ds.initialize();
      try {
        if (undoLast) await ds.undoLastMigration({ transaction: 'all' });
        else await ds.runMigrations({ transaction: 'all' });
      } finally {
        await ds.destroy();
      }
    },
  };
}

export interface TestTopics {
  prefix: string;
  topics: Topics;
  kafka: Kafka;
  brokers: string[];
  drop(): Promise<void>;
}

/** The topics of DESIGN.md under a unique prefix, created on the real broker. */
export async function createTestTopics(
  prefix = uniqueName('t') + '.',
  retryTiers = 5,
  partitions = 3,
  stack: TestStackEnv = testStackEnv(),
): Promise<TestTopics> {
  const { kafkaBrokers } = stack;
  const kafka = createKafka({
    brokers: kafkaBrokers,
    clientId: 'hookline-test',
    logLevel: logLevel.NOTHING,
  });
  const topics = topicNames(prefix, retryTiers);
  await ensureTopics(kafka, topicSpecs(topics, partitions));
  return {
    prefix,
    topics,
    kafka,
    brokers: kafkaBrokers,
    drop: () =>
      deleteTopics(
        kafka,
        topicSpecs(topics).map((s) => s.topic),
      ).catch(() => undefined),
  };
}

/**
 * Sets a topic's `max.message.bytes`, so a test can send a message over it without building one
 * over the broker's own limit; returns the earlier value, to put back.
 */
export async function setTopicMaxMessageBytes(
  kafka: Kafka,
  topic: string,
  bytes: number,
): Promise<number> {
  const before = await smallestMaxMessageBytes(kafka, [topic]);
  if (before === undefined) throw new Error(`no topic ${topic}`);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
        },
      ],
    });
    // The controller answers once it has recorded the change; the broker applies it when it
    // reads that record, a moment later. A message sent in between met the old limit (a test of
    // a refusal saw its message taken, on a loaded machine).
    await pollUntil(async () => (await smallestMaxMessageBytes(kafka, [topic])) === bytes, {
      timeoutMs: 10_000,
      message: `${topic}'s max.message.bytes of ${bytes} applied`,
    });
    return before;
  } finally {
    await admin.disconnect();
  }
}
