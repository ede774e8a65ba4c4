import { randomBytes } from 'node:crypto';
import type { DeliveryTask } from '@hookline/contracts';
import { parseConfig } from '@hookline/config';
import { SecretBox } from '@hookline/persistence';
import {
  TopicCollector,
  TopicWriter,
  createTestTopics,
  eventEnvelope,
  pollUntil,
  produceWithJavaClient,
  waitForCollected,
  waitForGroupCaughtUp,
  webhookState,
  type KafkaCompression,
  type TestTopics,
} from '@hookline/testing';
import { createFanoutService, type FanoutApp } from '../fanout.app';

/**
 * Producers in other languages compress with whatever their team chose; a batch the fan-out
 * cannot decompress would stop its partition for every tenant on it.
 */
describe('fan-out of compressed event batches', () => {
  let topics: TestTopics;
  let tasks: TopicCollector;
  let app: FanoutApp;
  const webhook = webhookState({
    project_id: 'prj_compressed',
    events: ['project.*'],
    box: new SecretBox(randomBytes(32)),
    plaintextSecrets: [`whsec_${randomBytes(32).toString('base64')}`],
  });

  beforeAll(async () => {
    topics = await createTestTopics(undefined, 5, 3);
    const writer = await TopicWriter.connect(topics.kafka);
    await writer.webhook(topics.topics.webhooksChangelog, webhook);
    await writer.close();
    tasks = await TopicCollector.start(topics.kafka, [topics.topics.deliveries]);
    app = createFanoutService(
      parseConfig({
        KAFKA_BROKERS: topics.brokers.join(','),
        HOOKLINE_TOPIC_PREFIX: topics.prefix,
        HOOKLINE_TOPIC_PARTITIONS: '3',
        HOOKLINE_METRICS_PORT: '0',
        HOOKLINE_LOG_LEVEL: 'error',
        HOOKLINE_KAFKA_SESSION_TIMEOUT: '6s',
      }),
    );
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await tasks?.stop();
    await topics?.drop();
  });

  it.each<KafkaCompression>(['snappy', 'lz4', 'zstd'])(
    'should fan out every event of a batch a Java producer compressed with %s',
    async (compression) => {
      const events = Array.from({ length: 10 }, () =>
        eventEnvelope({ project_id: webhook.project_id, event: 'project.updated' }),
      );
      await produceWithJavaClient({
        brokers: topics.brokers,
        topic: topics.topics.events,
        compression,
        messages: events.map((e) => ({ key: e.project_id, value: JSON.stringify(e) })),
      });
      await waitForGroupCaughtUp(
        topics.kafka,
        `${topics.prefix}hookline.fanout`,
        topics.topics.events,
      );
      await waitForCollected(topics.kafka, tasks, topics.topics.deliveries);
      const ids = new Set(events.map((e) => e.id));
      const fannedOut = await pollUntil(() => {
        const mine = tasks.json<DeliveryTask>().filter((t) => ids.has(t.event.id));
        return mine.length >= events.length && mine;
      });
      expect(fannedOut.map((t) => t.event).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        [...events].sort((a, b) => a.id.localeCompare(b.id)),
      );
      expect(fannedOut.every((t) => t.webhook_id === webhook.id)).toBe(true);
    },
  );
});
