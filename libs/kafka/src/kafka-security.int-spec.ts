import { ConfigResourceTypes, logLevel, type Kafka } from 'kafkajs';
import { parseConfig, type HooklineConfig } from '@hookline/config';
import { LOCAL_TOPIC_POLICY, topicNames, topicSpecs } from '@hookline/contracts';
import { TopicCollector, testStackEnv, uniqueName, type SaslSslEndpoint } from '@hookline/testing';
import { deleteTopics } from './topic-admin';
import { KafkaAuthenticationError, KafkaConnectError } from './kafka-errors';
import { kafkaFromConfig } from './kafka-client';
import { provisionTopics, topicPolicyOf } from './topic-provisioner';

/**
 * The services' own client factory against the test stack's SASL_SSL listener (a CA made with
 * keytool at the stack's first start, SCRAM users written at format time): what a managed Kafka
 * (Confluent Cloud, MSK, Aiven, Strimzi) asks of a client.
 */
describe('Kafka over TLS and SASL', () => {
  const endpoint = testStackEnv().kafkaSaslSsl as SaslSslEndpoint;
  const configOf = (env: Record<string, string>): HooklineConfig =>
    parseConfig({
      KAFKA_BROKERS: endpoint.broker,
      HOOKLINE_KAFKA_SSL: 'true',
      HOOKLINE_KAFKA_SSL_CA_FILE: endpoint.caFile,
      HOOKLINE_KAFKA_SASL_USERNAME: endpoint.username,
      HOOKLINE_KAFKA_SASL_PASSWORD: endpoint.password,
      ...env,
    });
  // Failures must show at once, not after kafkajs' retries.
  const clientOf = (config: HooklineConfig): Kafka =>
    kafkaFromConfig(config, uniqueName('tls-test'), {
      logLevel: logLevel.NOTHING,
      connectionTimeout: 10_000,
      retry: { retries: 0 },
    });
  const prefix = uniqueName('tls') + '.';
  const topics = topicNames(prefix, 1);
  let admin: Kafka;

  beforeAll(() => {
    if (!endpoint)
      throw new Error('the test stack has no SASL_SSL listener (run through npm test)');
    admin = clientOf(configOf({ HOOKLINE_KAFKA_SASL_MECHANISM: 'scram-sha-512' }));
  });
  afterAll(() =>
    deleteTopics(
      admin,
      topicSpecs(topics).map((s) => s.topic),
    ),
  );

  it('should create the topics, produce and consume with TLS and SCRAM-SHA-512', async () => {
    const config = configOf({ HOOKLINE_KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    // With kafkajs' own retries: an idempotent producer needs them.
    const kafka = kafkaFromConfig(config, uniqueName('tls-test'), { logLevel: logLevel.NOTHING });
    const created = await provisionTopics(kafka, topicSpecs(topics, 1, topicPolicyOf(config)), {
      create: true,
      config,
    });
    expect(created).toContain(topics.deliveriesDlq);

    const collector = await TopicCollector.start(kafka, [topics.events]);
    const producer = kafka.producer({ idempotent: true });
    try {
      await producer.connect();
      await producer.send({
        topic: topics.events,
        acks: -1,
        messages: [{ key: 'p', value: 'over tls' }],
      });
      await collector.waitFor((messages) => messages.some((m) => m.value === 'over tls'));
    } finally {
      await producer.disconnect();
      await collector.stop();
    }
  });

  it('should set the retention of the retry tiers and the dead-letter topics explicitly', async () => {
    const a = admin.admin();
    await a.connect();
    try {
      const { resources } = await a.describeConfigs({
        includeSynonyms: false,
        resources: [topics.retry[0]!, topics.deliveriesDlq, topics.eventsDlq].map((name) => ({
          type: ConfigResourceTypes.TOPIC,
          name,
          configNames: ['retention.ms'],
        })),
      });
      const retention = Object.fromEntries(
        resources.map((r) => [r.resourceName, Number(r.configEntries[0]?.configValue)]),
      );
      expect(retention).toEqual({
        [topics.retry[0]!]: LOCAL_TOPIC_POLICY.retryRetentionMs,
        [topics.deliveriesDlq]: LOCAL_TOPIC_POLICY.dlqRetentionMs,
        [topics.eventsDlq]: LOCAL_TOPIC_POLICY.dlqRetentionMs,
      });
    } finally {
      await a.disconnect();
    }
  });

  it.each(['plain', 'scram-sha-256'])('should connect with SASL %s too', async (mechanism) => {
    const config = configOf({ HOOKLINE_KAFKA_SASL_MECHANISM: mechanism });
    await expect(
      provisionTopics(clientOf(config), topicSpecs(topics, 1), { create: false, config }),
    ).resolves.toEqual([]);
  });

  it('should refuse a wrong password with a KafkaAuthenticationError that names the settings', async () => {
    const config = configOf({
      HOOKLINE_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      HOOKLINE_KAFKA_SASL_PASSWORD: 'not-the-password',
    });
    const failure = provisionTopics(clientOf(config), topicSpecs(topics, 1), {
      create: false,
      config,
    });
    await expect(failure).rejects.toBeInstanceOf(KafkaAuthenticationError);
    await expect(failure).rejects.toThrow(
      /^Kafka refused the scram-sha-512 credentials of user "hookline": check HOOKLINE_KAFKA_SASL_USERNAME and HOOKLINE_KAFKA_SASL_PASSWORD/,
    );
  });

  it('should fail plaintext to the TLS port with a KafkaConnectError', async () => {
    const config = parseConfig({ KAFKA_BROKERS: endpoint.broker });
    const failure = provisionTopics(clientOf(config), topicSpecs(topics, 1), {
      create: false,
      config,
    });
    await expect(failure).rejects.toBeInstanceOf(KafkaConnectError);
    await expect(failure).rejects.toThrow(
      /over plaintext: .*check KAFKA_BROKERS and HOOKLINE_KAFKA_SSL/,
    );
  });

  it('should not trust the broker without its CA', async () => {
    const config = parseConfig({
      KAFKA_BROKERS: endpoint.broker,
      HOOKLINE_KAFKA_SSL: 'true',
      HOOKLINE_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      HOOKLINE_KAFKA_SASL_USERNAME: endpoint.username,
      HOOKLINE_KAFKA_SASL_PASSWORD: endpoint.password,
    });
    const failure = provisionTopics(clientOf(config), topicSpecs(topics, 1), {
      create: false,
      config,
    });
    await expect(failure).rejects.toThrow(/over TLS \+ scram-sha-512: .*certificate/i);
  });
});
