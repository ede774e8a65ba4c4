import type { Kafka } from 'kafkajs';
import { settledTopicOffsets } from '@hookline/kafka';
import { pollUntil } from './poll-until';
import type { TopicCollector } from './topic-collector';

/**
 * Waits until a consumer group has committed every partition of `topic` up to its current end:
 * everything published so far has been processed (and, for an at-least-once service, its output
 * acknowledged). With this, a test can assert that something did NOT happen without sleeping.
 */
export async function waitForGroupCaughtUp(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs = 20_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await settledTopicOffsets(admin, topic);
    await pollUntil(
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return ends.every((end) => {
          const offset =
            committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          return end.high === end.low || Number(offset) >= Number(end.high);
        });
      },
      { timeoutMs, intervalMs: 100, message: `group ${groupId} caught up with ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `collector` has read every message `topic` holds now (up to each partition's end). */
export async function waitForCollected(
  kafka: Kafka,
  collector: TopicCollector,
  topic: string,
  timeoutMs = 20_000,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  try {
    ends = await settledTopicOffsets(admin, topic);
  } finally {
    await admin.disconnect();
  }
  const wanted = ends
    .filter((e) => e.high !== e.low)
    .map((e) => ({ partition: e.partition, last: String(Number(e.high) - 1) }));
  await pollUntil(
    () =>
      wanted.every((w) =>
        collector.messages.some(
          (m) => m.topic === topic && m.partition === w.partition && m.offset === w.last,
        ),
      ),
    { timeoutMs, message: `collector read ${topic} to its end` },
  );
}
