import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import type { HooklineConfig } from '@hookline/config';
import type { TopicPolicy, TopicSpec } from '@hookline/contracts';
import { explainConnectError } from './kafka-errors';
import { ensureTopics, whileSettling } from './topic-admin';

/** A topic the deployment asks for is missing or weaker than asked: the one line says which. */
export class TopicProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TopicProvisioningError';
  }
}

export function topicPolicyOf(
  config: Pick<
    HooklineConfig,
    | 'HOOKLINE_KAFKA_REPLICATION_FACTOR'
    | 'HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS'
    | 'HOOKLINE_KAFKA_RETRY_RETENTION'
    | 'HOOKLINE_KAFKA_DLQ_RETENTION'
  >,
): TopicPolicy {
  return {
    replicationFactor: config.HOOKLINE_KAFKA_REPLICATION_FACTOR,
    minInsyncReplicas: config.HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS,
    retryRetentionMs: config.HOOKLINE_KAFKA_RETRY_RETENTION,
    dlqRetentionMs: config.HOOKLINE_KAFKA_DLQ_RETENTION,
  };
}

export interface ProvisionOptions {
  /** HOOKLINE_KAFKA_CREATE_TOPICS: false when topics are managed elsewhere (Strimzi, Terraform). */
  create: boolean;
  /** For the error lines: where the brokers are and how they were reached. */
  config: Pick<HooklineConfig, 'KAFKA_BROKERS' | 'kafkaSecurity'>;
}

const minIsrOf = (spec: TopicSpec) =>
  Number(spec.configEntries?.find((c) => c.name === 'min.insync.replicas')?.value ?? 1);

/**
 * Checks the cluster against the topics a service needs at its start, and creates the missing
 * ones when allowed. A replication lower than configured fails the start rather than warning: the
 * operator asked for copies that would survive a broker, and a warning in a log does not stop the
 * data loss the first broker failure would bring. The service cannot raise it itself (that is a
 * partition reassignment), so the line says what to change.
 */
export async function provisionTopics(
  kafka: Kafka,
  specs: TopicSpec[],
  options: ProvisionOptions,
): Promise<string[]> {
  const { KAFKA_BROKERS: brokers, kafkaSecurity: security } = options.config;
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    const wanted = Math.max(1, ...specs.map((s) => s.replicationFactor ?? 1));
    if (wanted > cluster.brokers.length) {
      throw new TopicProvisioningError(
        `HOOKLINE_KAFKA_REPLICATION_FACTOR is ${wanted} but the Kafka cluster has ${cluster.brokers.length} broker(s); lower it or add brokers`,
      );
    }
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0 && !options.create) {
      throw new TopicProvisioningError(
        `HOOKLINE_KAFKA_CREATE_TOPICS is false and these topics are missing: ${missing.map((s) => s.topic).join(', ')}; create them or let Hookline create them`,
      );
    }
    const present = specs.filter((s) => existing.has(s.topic));
    if (present.length > 0) await checkDurability(admin, present);
  } catch (e) {
    throw e instanceof TopicProvisioningError ? e : explainConnectError(e, brokers, security);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return options.create ? ensureTopics(kafka, specs) : [];
}

async function checkDurability(admin: ReturnType<Kafka['admin']>, specs: TopicSpec[]) {
  // Another service starting beside this one may have created them a moment ago.
  const { topics } = await whileSettling(() =>
    admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) }),
  );
  const replicas = new Map(
    topics.map((t) => [t.name, Math.min(...t.partitions.map((p) => p.replicas.length))]),
  );
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: specs.map((s) => ({
      type: ConfigResourceTypes.TOPIC,
      name: s.topic,
      configNames: ['min.insync.replicas'],
    })),
  });
  const minIsr = new Map(
    resources.map((r) => [
      r.resourceName,
      Number(r.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue ?? 1),
    ]),
  );
  const weak: string[] = [];
  for (const spec of specs) {
    const has = replicas.get(spec.topic) ?? 0;
    const isr = minIsr.get(spec.topic) ?? 1;
    if (has < (spec.replicationFactor ?? 1)) weak.push(`${spec.topic} has ${has} replica(s)`);
    else if (isr < minIsrOf(spec)) weak.push(`${spec.topic} has min.insync.replicas=${isr}`);
  }
  if (weak.length > 0) {
    const wanted = specs[0]!;
    throw new TopicProvisioningError(
      `topics are less durable than HOOKLINE_KAFKA_REPLICATION_FACTOR=${wanted.replicationFactor ?? 1} / HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS=${minIsrOf(wanted)} ask: ${weak.join(', ')}; reassign their partitions and alter their config, or lower the settings`,
    );
  }
}
