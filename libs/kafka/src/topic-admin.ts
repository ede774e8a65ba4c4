import type { Admin, Kafka } from 'kafkajs';
import type { TopicSpec } from '@hookline/contracts';

/**
 * Creates the topics that are missing; existing ones are left as they are, so it is safe to run
 * at every start of every service.
 */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return [];
    try {
      await admin.createTopics({
        topics: missing.map((s) => ({
          topic: s.topic,
          numPartitions: s.numPartitions,
          replicationFactor: s.replicationFactor ?? 1,
          configEntries: s.configEntries,
        })),
        waitForLeaders: true,
      });
    } catch (e) {
      // Another process may have created them in between: only a topic still missing is an error.
      // A loaded KRaft broker may also answer "does not host this topic-partition" for topics it
      // has just created: give their metadata a few seconds to appear before deciding.
      for (let wait = 0; wait < 25; wait++) {
        const listed = new Set(await admin.listTopics());
        if (missing.every((s) => listed.has(s.topic))) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const now = new Set(await admin.listTopics());
      const still = missing.filter((s) => !now.has(s.topic));
      if (still.length > 0) throw e;
    }
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}

/** Deletes topics (used by test suites to clean up their prefixed topics). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/** How long a fetch of end offsets waits for partitions whose leadership is still settling. */
export const SETTLING_RETRY_MS = 30_000;

/** Errors of a partition whose leader is still being set up (a fresh topic, an election). */
export function isLeadershipSettling(e: unknown): boolean {
  const type = (e as { type?: unknown } | undefined)?.type;
  return (
    type === 'NOT_LEADER_FOR_PARTITION' ||
    type === 'LEADER_NOT_AVAILABLE' ||
    type === 'UNKNOWN_TOPIC_OR_PARTITION'
  );
}

/**
 * admin.fetchTopicOffsets, retried while the broker is not yet serving the partitions. A topic
 * is listed with a leader (createTopics waitForLeaders) a few hundred milliseconds before that
 * broker answers ListOffsets for it, longer under load, and kafkajs gives up at once on
 * NOT_LEADER_FOR_PARTITION: without this a service started just after the topic was created
 * (a first deployment, a test) fails to start.
 */
export async function settledTopicOffsets(
  admin: Admin,
  topic: string,
): ReturnType<Admin['fetchTopicOffsets']> {
  const deadline = Date.now() + SETTLING_RETRY_MS;
  for (let waitMs = 50; ; waitMs = Math.min(waitMs * 2, 1000)) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (e) {
      if (!isLeadershipSettling(e) || Date.now() + waitMs > deadline) throw e;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
