import { logLevel } from 'kafkajs';
import { parseConfig } from '@hookline/config';
import { topicNames, topicSpecs } from '@hookline/contracts';
import { testStackEnv, uniqueName } from '@hookline/testing';
import { kafkaFromConfig } from './kafka-client';
import { TopicProvisioningError, provisionTopics, topicPolicyOf } from './topic-provisioner';

describe(provisionTopics.name, () => {
  const config = parseConfig({ KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(',') });
  const kafka = kafkaFromConfig(config, uniqueName('provision'), { logLevel: logLevel.NOTHING });
  const topics = topicNames(uniqueName('prov') + '.', 1);

  it('should name the missing topics, and create none, when creation is off', async () => {
    const failure = provisionTopics(kafka, topicSpecs(topics, 1), { create: false, config });
    await expect(failure).rejects.toBeInstanceOf(TopicProvisioningError);
    await expect(failure).rejects.toThrow(
      new RegExp(
        `^HOOKLINE_KAFKA_CREATE_TOPICS is false and these topics are missing: ${topics.events.replace(/\./g, '\\.')}, `,
      ),
    );
    const admin = kafka.admin();
    await admin.connect();
    const listed = await admin.listTopics().finally(() => admin.disconnect());
    expect(listed).not.toContain(topics.events);
  });

  it('should refuse a replication factor larger than the cluster, in one line', async () => {
    const strict = parseConfig({
      KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
      HOOKLINE_KAFKA_REPLICATION_FACTOR: '3',
      HOOKLINE_KAFKA_MIN_INSYNC_REPLICAS: '2',
    });
    await expect(
      provisionTopics(kafka, topicSpecs(topics, 1, topicPolicyOf(strict)), {
        create: true,
        config: strict,
      }),
    ).rejects.toThrow(
      /^HOOKLINE_KAFKA_REPLICATION_FACTOR is 3 but the Kafka cluster has 1 broker\(s\); lower it or add brokers$/,
    );
  });
});
