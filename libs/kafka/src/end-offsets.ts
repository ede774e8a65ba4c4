import type { Kafka } from 'kafkajs';
import { settledTopicOffsets, whileSettling } from './topic-admin';

/** Topic → partition → end offset (exclusive): the offset the next record appended will get. */
export type TopicEndOffsets = Map<string, Map<number, bigint>>;

/** The part of kafkajs's cluster used here (kafkajs 2.x, src/cluster/index.js). */
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  findTopicPartitionMetadata(topic: string): { partitionId: number }[];
  fetchTopicsOffset(
    topics: { topic: string; fromBeginning: boolean; partitions: { partition: number }[] }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/**
 * How long partition metadata is trusted. A topic's partitions are fixed (keys would change
 * partition otherwise) and a leader change is answered with an error that refreshes it at once.
 */
const METADATA_MAX_AGE_MS = 60_000;

/**
 * kafkajs makes every client's cluster with one private factory (brokers, TLS, SASL, socket
 * factory, retry policy); the admin client's has no metadata cache (max age 0), so its
 * fetchTopicOffsets costs a Metadata request and two ListOffsets requests (low and high) per topic.
 * A cluster from the same factory with a metadata cache asks for the end offsets of all topics in
 * one ListOffsets request.
 */
function cachingCluster(kafka: Kafka): KafkajsCluster | undefined {
  for (let o: object | null = kafka; o; o = Object.getPrototypeOf(o) as object | null) {
    const key = Object.getOwnPropertySymbols(o).find(
      (s) => s.description === 'private:Kafka:createCluster',
    );
    const create = key && (o as Record<symbol, unknown>)[key];
    if (typeof create === 'function') {
      return create({
        metadataMaxAge: METADATA_MAX_AGE_MS,
        allowAutoTopicCreation: false,
      }) as KafkajsCluster;
    }
  }
  return undefined;
}

/**
 * Fetches the end offsets of a fixed set of topics, as the broker's ListOffsets (latest) answers
 * them: one request per leader for all the topics, with partition metadata kept between calls.
 * Partitions whose leadership is still settling (a fresh topic, an election) are asked again with
 * fresh metadata for up to 30 s. Where the kafkajs internals are not found, each topic is asked
 * through the admin client instead (same answers, more requests).
 */
export class EndOffsets {
  private cluster?: Promise<KafkajsCluster | undefined>;

  constructor(
    private readonly kafka: Kafka,
    readonly topics: readonly string[],
  ) {}

  async fetch(): Promise<TopicEndOffsets> {
    const cluster = await this.connected();
    if (!cluster) return this.throughAdmin();
    let tries = 0;
    try {
      return await whileSettling(async () => {
        // Asked again with fresh metadata: the settling partition may have a new leader.
        if (tries++ > 0) await cluster.refreshMetadata().catch(() => undefined);
        await cluster.refreshMetadataIfNecessary();
        const answers = await cluster.fetchTopicsOffset(
          this.topics.map((topic) => ({
            topic,
            fromBeginning: false,
            partitions: cluster
              .findTopicPartitionMetadata(topic)
              .map((p) => ({ partition: p.partitionId })),
          })),
        );
        const ends: TopicEndOffsets = new Map(this.topics.map((t) => [t, new Map()]));
        for (const { topic, partitions } of answers) {
          for (const p of partitions) ends.get(topic)?.set(p.partition, BigInt(p.offset));
        }
        return ends;
      });
    } catch (e) {
      await this.close();
      throw e;
    }
  }

  /** Disconnects; the next fetch connects again. */
  async close(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    await (await cluster?.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  private connected(): Promise<KafkajsCluster | undefined> {
    this.cluster ??= (async () => {
      const cluster = cachingCluster(this.kafka);
      if (!cluster) return undefined;
      await cluster.connect();
      // Loads the topics' metadata; an unknown topic fails here, as the admin client would.
      await cluster.addMultipleTargetTopics([...this.topics]);
      return cluster;
    })();
    return this.cluster.catch(async (e: unknown) => {
      await this.close();
      throw e;
    });
  }

  private async throughAdmin(): Promise<TopicEndOffsets> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends: TopicEndOffsets = new Map();
      for (const topic of this.topics) {
        const offsets = await settledTopicOffsets(admin, topic);
        ends.set(topic, new Map(offsets.map((p) => [p.partition, BigInt(p.high)])));
      }
      return ends;
    } finally {
      await admin.disconnect();
    }
  }
}
