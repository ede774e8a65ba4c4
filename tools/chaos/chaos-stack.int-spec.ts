import { logLevel, type Kafka } from 'kafkajs';
import { createKafka } from '@hookline/kafka';
import { pollUntil } from '@hookline/testing';
import { ChaosStack } from './chaos-stack';

const kafkaOf = (brokers: string[]) =>
  createKafka({
    brokers,
    clientId: 'chaos-stack-test',
    logLevel: logLevel.NOTHING,
    // One try per call: the cut must show at once, not after kafkajs's own retries.
    retry: { retries: 0 },
  });

async function answers(kafka: Kafka): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The infrastructure faults the chaos suite injects: a broker restarted after SIGKILL still has
 * its topics and messages, and the proxy in front of it cuts the services' connections while the
 * direct listener still answers.
 */
describe(ChaosStack.name, () => {
  let stack: ChaosStack;

  beforeAll(async () => {
    stack = await ChaosStack.start('stack-test', { proxy: true }, () => undefined);
  }, 240_000);
  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('should keep topics and messages across a SIGKILL and restart of the broker', async () => {
    const kafka = kafkaOf(stack.env.kafkaBrokers);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kept', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'kept',
      acks: -1,
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })),
    });
    await producer.disconnect();

    await stack.killKafka();
    await stack.restartKafka();

    const after = kafkaOf(stack.env.kafkaBrokers).admin();
    await after.connect();
    try {
      const offsets = await pollUntil(
        () => after.fetchTopicOffsets('kept').catch(() => undefined),
        { timeoutMs: 60_000, intervalMs: 500, message: 'the topic after the restart' },
      );
      expect(offsets.map((o) => o.high)).toEqual(['10']);
    } finally {
      await after.disconnect();
    }
  }, 240_000);

  it('should refuse the proxied listener while the network is cut, and only it', async () => {
    const proxied = kafkaOf(stack.serviceBrokers!);
    const direct = kafkaOf(stack.env.kafkaBrokers);
    expect(await answers(proxied)).toBe(true);

    await stack.cutNetwork();
    try {
      expect({ proxied: await answers(proxied), direct: await answers(direct) }).toEqual({
        proxied: false,
        direct: true,
      });
    } finally {
      await stack.restoreNetwork();
    }
    expect(await answers(proxied)).toBe(true);
  }, 120_000);
});
