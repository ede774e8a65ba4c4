import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import type { TopicSpec } from '@hookline/contracts';

/**
 * The smallest `max.message.bytes` of those of these topics that exist (a topic's own setting or
 * the broker's default): the largest message that every one of them takes. Undefined when none
 * exists.
 */
export async function smallestMaxMessageBytes(
  kafka: Kafka,
  topics: readonly string[],
): Promise<number | undefined> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length === 0) return undefined;
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['max.message.bytes'],
      })),
    });
    const limits = resources
      .map((r) => Number(r.configEntries[0]?.configValue))
      .filter((n) => Number.isFinite(n) && n > 0);
    return limits.length > 0 ? Math.min(...limits) : undefined;
  } finally {
    await admin.disconnect();
  }
}

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
      // Another process may have created them in between, and a loaded KRaft broker answers "does
      // not host this topic-partition" for topics it has just created (kafkajs waits for leaders
      // only on LEADER_NOT_AVAILABLE). Only a topic that does not come to be served is an error.
      await untilServed(
        admin,
        missing.map((s) => s.topic),
        e,
      );
    }
    return missing.map((s) => s.topic);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until every topic is listed and its partitions have leaders: on a busy machine a fresh
 * topic's metadata reaches the broker's cache seconds after the create. Throws `cause` if they
 * are not served within SETTLING_RETRY_MS.
 */
async function untilServed(admin: Admin, topics: string[], cause: unknown): Promise<void> {
  const notYet = new Error('topics not served yet');
  try {
    await whileSettling(
      async () => {
        // Listed first: asking a broker for the metadata of a topic it does not know may create it
        // with the broker's defaults (auto.create.topics.enable).
        const listed = new Set(await admin.listTopics());
        if (!topics.every((t) => listed.has(t))) throw notYet;
        const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
        const led = metadata.every(
          (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
        );
        if (!led) throw notYet;
      },
      (e) => e === notYet || isLeadershipSettling(e),
    );
  } catch (e) {
    throw e === notYet ? cause : e;
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
 * Runs `request` again, backing off, while it fails because the broker is not yet serving the
 * partitions, for up to SETTLING_RETRY_MS. kafkajs gives up at once on NOT_LEADER_FOR_PARTITION
 * and UNKNOWN_TOPIC_OR_PARTITION, which a topic shows for a few hundred milliseconds after it is
 * listed with a leader (longer under load): without this a service started just after the topic
 * was created (a first deployment, a test) fails to start.
 */
export async function whileSettling<T>(
  request: () => Promise<T>,
  settling: (e: unknown) => boolean = isLeadershipSettling,
): Promise<T> {
  const deadline = Date.now() + SETTLING_RETRY_MS;
  for (let waitMs = 50; ; waitMs = Math.min(waitMs * 2, 1000)) {
    try {
      return await request();
    } catch (e) {
      if (!settling(e) || Date.now() + waitMs > deadline) throw e;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}

/** admin.fetchTopicOffsets, retried while the broker is not yet serving the partitions. */
export function settledTopicOffsets(
  admin: Admin,
  topic: string,
): ReturnType<Admin['fetchTopicOffsets']> {
  return whileSettling(() => admin.fetchTopicOffsets(topic));
}
