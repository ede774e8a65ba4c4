import { randomUUID } from 'node:crypto';
import {
  createTestTopics,
  pollUntil,
  produceWithJavaClient,
  type KafkaCompression,
  type TestTopics,
} from '@hookline/testing';
import { registerCompressionCodecs } from './compression-codecs';
import { deleteTopics, ensureTopics } from './topic-admin';

const CODECS: KafkaCompression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

describe(registerCompressionCodecs.name, () => {
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await createTestTopics();
  });
  afterAll(async () => {
    await deleteTopics(
      topics.kafka,
      CODECS.map((c) => topicFor(c)),
    ).catch(() => undefined);
    await topics.drop();
  });
  const topicFor = (compression: KafkaCompression) => `${topics.prefix}codec.${compression}`;

  it.each(CODECS)(
    'should let a consumer of a client from createKafka read a batch compressed with %s by the Java client',
    async (compression) => {
      const topic = topicFor(compression);
      await ensureTopics(topics.kafka, [{ topic, numPartitions: 1 }]);
      // Repetitive values, so every codec really compresses the batch.
      const sent = Array.from({ length: 20 }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ i, compression, filler: 'x'.repeat(200) }),
      }));
      await produceWithJavaClient({ brokers: topics.brokers, topic, compression, messages: sent });

      const received: { key: string; value: string }[] = [];
      const errors: unknown[] = [];
      const consumer = topics.kafka.consumer({ groupId: `${topics.prefix}${randomUUID()}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      // A missing codec is not retriable; a busy broker's "coordinator is loading" is, and kafkajs
      // rejoins by itself — only the first kind means the codec failed.
      consumer.on(consumer.events.CRASH, (e) => {
        if (!(e.payload.error as { retriable?: boolean }).retriable) errors.push(e.payload.error);
      });
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: String(message.key), value: String(message.value) });
        },
      });
      try {
        await pollUntil(() => received.length === sent.length || errors.length > 0, {
          timeoutMs: 30_000,
        });
        expect(errors).toEqual([]);
        expect(received).toEqual(sent);
      } finally {
        await consumer.disconnect();
      }
    },
  );
});
