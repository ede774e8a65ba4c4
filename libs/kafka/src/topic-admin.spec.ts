import type { Kafka } from 'kafkajs';
import { SETTLING_RETRY_MS, ensureTopics } from './topic-admin';

/**
 * A broker that creates a topic but serves its metadata only `servedAfterMs` later, as a loaded
 * KRaft node does: its Metadata answer says "does not host this topic-partition" meanwhile.
 */
function slowBroker(servedAfterMs: number) {
  const created = new Map<string, number>();
  const unknown = () =>
    Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
    });
  const served = (topic: string) =>
    created.has(topic) && Date.now() >= created.get(topic)! + servedAfterMs;
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => [...created.keys()].filter(served),
    createTopics: async ({ topics }: { topics: { topic: string }[] }) => {
      for (const { topic } of topics) created.set(topic, Date.now());
      throw unknown();
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => {
      if (!topics.every(served)) throw unknown();
      return {
        topics: topics.map((name) => ({ name, partitions: [{ partitionId: 0, leader: 1 }] })),
      };
    },
  };
  return { kafka: { admin: () => admin } as unknown as Kafka, created };
}

const spec = { topic: 'hookline.events', numPartitions: 1 };

describe('ensureTopics', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('should wait for a topic a busy broker serves seconds after creating it', async () => {
    const { kafka } = slowBroker(8_000);
    const ensured = ensureTopics(kafka, [spec]);
    await jest.advanceTimersByTimeAsync(10_000);
    await expect(ensured).resolves.toEqual(['hookline.events']);
  });

  it('should give up with the broker’s error when the topic is never served', async () => {
    const { kafka } = slowBroker(Number.MAX_SAFE_INTEGER);
    const ensured = ensureTopics(kafka, [spec]);
    const outcome = expect(ensured).rejects.toMatchObject({ type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    await jest.advanceTimersByTimeAsync(SETTLING_RETRY_MS + 2_000);
    await outcome;
  });
});
