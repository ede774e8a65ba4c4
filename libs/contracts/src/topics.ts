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
  configEntries?: { name: string; value: string }[];
}

const COMPACTED = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'min.compaction.lag.ms', value: '0' },
  { name: 'segment.ms', value: '3600000' },
];

/**
 * Partition counts allow several consumers per group; the changelogs are compacted so a replay
 * from the beginning yields the current state of every webhook and every event type.
 */
export function topicSpecs(topics: Topics, partitions = 6): TopicSpec[] {
  return [
    { topic: topics.events, numPartitions: partitions },
    { topic: topics.eventsDlq, numPartitions: 1 },
    {
      topic: topics.webhooksChangelog,
      numPartitions: partitions,
      configEntries: COMPACTED,
    },
    // Few, small records read whole by every fan-out process: one partition keeps them in order.
    { topic: topics.catalogChangelog, numPartitions: 1, configEntries: COMPACTED },
    { topic: topics.deliveries, numPartitions: partitions },
    ...topics.retry.map((topic) => ({ topic, numPartitions: partitions })),
    { topic: topics.deliveriesDlq, numPartitions: partitions },
    { topic: topics.operational, numPartitions: 1 },
  ];
}
