/**
 * Every Kafka topic of Hookline, in one table. A prefix (HOOKLINE_TOPIC_PREFIX) lets test suites
 * and parallel environments share one broker without seeing each other's messages.
 */
export const TOPIC_BASE_NAMES = {
  events: 'hookline.events',
  eventsDlq: 'hookline.events.dlq',
  webhooksChangelog: 'hookline.webhooks.changelog',
  catalogChangelog: 'hookline.catalog.changelog',
  deliveries: 'hookline.deliveries',
  deliveriesDlq: 'hookline.deliveries.dlq',
  operational: 'hookline.operational',
} as const;

export type TopicKey = keyof typeof TOPIC_BASE_NAMES;

export interface Topics {
  events: string;
  eventsDlq: string;
  webhooksChangelog: string;
  catalogChangelog: string;
  deliveries: string;
  deliveriesDlq: string;
  operational: string;
  /** `hookline.deliveries.retry.1` … `.N`, one per entry of the retry schedule. */
  retry: string[];
}

export function topicNames(prefix = '', retryTiers = 5): Topics {
  const named = Object.fromEntries(
    Object.entries(TOPIC_BASE_NAMES).map(([key, name]) => [key, `${prefix}${name}`]),
  ) as Record<TopicKey, string>;
  const retry = Array.from(
    { length: retryTiers },
    (_, i) => `${prefix}${TOPIC_BASE_NAMES.deliveries}.retry.${i + 1}`,
  );
  return { ...named, retry };
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Replicas per partition (default 1: the local single-broker stack). */
  replicationFactor?: number;
  configEntries?: { name: string; value: string }[];
}

/** What a deployment decides about its topics (HOOKLINE_KAFKA_REPLICATION_FACTOR and friends). */
export interface TopicPolicy {
  replicationFactor: number;
  /** With acks=all, a write succeeds once this many replicas have it. */
  minInsyncReplicas: number;
  /** retention.ms of the retry tiers: longer than any task waits there. */
  retryRetentionMs: number;
  /** retention.ms of both dead-letter topics: the time to look at and replay what died. */
  dlqRetentionMs: number;
}

const DAY_MS = 86_400_000;

/** One broker, as the local stack runs it; DESIGN.md's defaults for the rest. */
export const LOCAL_TOPIC_POLICY: TopicPolicy = {
  replicationFactor: 1,
  minInsyncReplicas: 1,
  retryRetentionMs: 7 * DAY_MS,
  dlqRetentionMs: 14 * DAY_MS,
};

const LOG_APPEND_TIME = [{ name: 'message.timestamp.type', value: 'LogAppendTime' }];

const COMPACTED = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'min.compaction.lag.ms', value: '0' },
  { name: 'segment.ms', value: '3600000' },
];

/**
 * Partition counts allow several consumers per group; the changelogs are compacted so a replay
 * from the beginning yields the current state of every webhook and every event type.
 */
export function topicSpecs(
  topics: Topics,
  partitions = 6,
  policy: TopicPolicy = LOCAL_TOPIC_POLICY,
): TopicSpec[] {
  const retention = (ms: number) => [{ name: 'retention.ms', value: String(ms) }];
  const specs: TopicSpec[] = [
    // The broker's time on each event record, not the producer's clock: it is the birth time
    // of the event's deliveries (their delivery log partition).
    { topic: topics.events, numPartitions: partitions, configEntries: LOG_APPEND_TIME },
    { topic: topics.eventsDlq, numPartitions: 1, configEntries: retention(policy.dlqRetentionMs) },
    {
      topic: topics.webhooksChangelog,
      numPartitions: partitions,
      configEntries: COMPACTED,
    },
    // Few, small records read whole by every fan-out process: one partition keeps them in order.
    { topic: topics.catalogChangelog, numPartitions: 1, configEntries: COMPACTED },
    { topic: topics.deliveries, numPartitions: partitions },
    ...topics.retry.map((topic) => ({
      topic,
      numPartitions: partitions,
      configEntries: retention(policy.retryRetentionMs),
    })),
    {
      topic: topics.deliveriesDlq,
      numPartitions: partitions,
      configEntries: retention(policy.dlqRetentionMs),
    },
    { topic: topics.operational, numPartitions: 1, configEntries: LOG_APPEND_TIME },
  ];
  const minIsr = { name: 'min.insync.replicas', value: String(policy.minInsyncReplicas) };
  return specs.map((s) => ({
    ...s,
    replicationFactor: policy.replicationFactor,
    configEntries: [...(s.configEntries ?? []), minIsr],
  }));
}
