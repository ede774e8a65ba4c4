import { randomBytes } from 'node:crypto';
import type { DeliveryTask } from '@hookline/contracts';
import { parseConfig } from '@hookline/config';
import { SecretBox } from '@hookline/persistence';
import {
  TopicCollector,
  TopicWriter,
  createTestTopics,
  eventEnvelope,
  testStackEnv,
  webhookState,
  type TestTopics,
} from '@hookline/testing';
import { createFanoutService, type FanoutApp } from '../fanout.app';

/**
 * The fan-out as a managed Kafka would run it: TLS with the cluster's CA, SCRAM-SHA-512, topics
 * made elsewhere (here on the plaintext listener of the same broker) and only checked at start.
 */
describe('fan-out over SASL_SSL', () => {
  let topics: TestTopics;
  let writer: TopicWriter;
  let tasks: TopicCollector;
  let app: FanoutApp;
  const hook = webhookState({
    project_id: 'prj_tls',
    events: ['*'],
    box: new SecretBox(randomBytes(32)),
    plaintextSecrets: [`whsec_${randomBytes(32).toString('base64')}`],
  });

  beforeAll(async () => {
    const endpoint = testStackEnv().kafkaSaslSsl;
    if (!endpoint)
      throw new Error('the test stack has no SASL_SSL listener (run through npm test)');
    topics = await createTestTopics(undefined, 5, 1);
    writer = await TopicWriter.connect(topics.kafka);
    await writer.webhook(topics.topics.webhooksChangelog, hook);
    tasks = await TopicCollector.start(topics.kafka, [topics.topics.deliveries]);
    app = createFanoutService(
      parseConfig({
        KAFKA_BROKERS: endpoint.broker,
        HOOKLINE_KAFKA_SSL: 'true',
        HOOKLINE_KAFKA_SSL_CA_FILE: endpoint.caFile,
        HOOKLINE_KAFKA_SASL_MECHANISM: 'scram-sha-512',
        HOOKLINE_KAFKA_SASL_USERNAME: endpoint.username,
        HOOKLINE_KAFKA_SASL_PASSWORD: endpoint.password,
        HOOKLINE_KAFKA_CREATE_TOPICS: 'false',
        HOOKLINE_TOPIC_PREFIX: topics.prefix,
        HOOKLINE_TOPIC_PARTITIONS: '1',
        HOOKLINE_METRICS_PORT: '0',
        HOOKLINE_LOG_LEVEL: 'error',
        HOOKLINE_KAFKA_SESSION_TIMEOUT: '6s',
      }),
    );
    // Resolves once the index holds the changelog (read over TLS) and the consumer has joined.
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
    await tasks?.stop();
    await writer?.close();
    await topics?.drop();
  });

  it('should read the changelog and events and write delivery tasks through TLS and SCRAM', async () => {
    const event = eventEnvelope({ project_id: 'prj_tls' });
    await writer.events(topics.topics.events, [event]);
    await tasks.waitFor((messages) => messages.some((m) => m.value.includes(event.id)), {
      timeoutMs: 60_000,
    });
    const task = tasks.json<DeliveryTask>().find((t) => t.event.id === event.id)!;
    expect(task.webhook_id).toBe(hook.id);
  });
});
