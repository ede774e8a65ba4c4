import { randomBytes } from 'node:crypto';
import { logLevel } from 'kafkajs';
import {
  TopicCollector,
  createTestTopics,
  freePort,
  setTopicMaxMessageBytes,
  uniqueName,
  type TestTopics,
} from '@hookline/testing';
import { BatchingProducer, MessageTooLargeError, ProducerClosedError } from './batching-producer';
import { settledTopicOffsets } from './topic-admin';
import { createKafka } from './kafka-client';

describe(BatchingProducer.name, () => {
  let t: TestTopics;
  beforeAll(async () => {
    t = await createTestTopics();
  });
  afterAll(() => t.drop());

  it('should resolve a send once the broker holds it, keeping per-key order across shared requests', async () => {
    const sut = new BatchingProducer(t.kafka, { maxRequestMessages: 7 });
    const collector = await TopicCollector.start(t.kafka, [t.topics.deliveries]);
    try {
      const topic = t.topics.deliveries;
      const sends = Array.from({ length: 60 }, (_, i) =>
        sut.send(topic, { key: `k${i % 3}`, value: String(i) }),
      );
      sends.push(
        sut.send(topic, [
          { key: 'k0', value: '60' },
          { key: 'k0', value: '61' },
        ]),
      );
      await Promise.all(sends);

      const admin = t.kafka.admin();
      await admin.connect();
      const offsets = await settledTopicOffsets(admin, topic).finally(() => admin.disconnect());
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(62);

      await collector.waitFor((messages) => messages.length === 62);
      const values = (key: string) => collector.byKey(key).map((m) => Number(m.value));
      const k0 = values('k0');
      expect(k0).toEqual([...k0].sort((a, b) => a - b));
      expect(k0.slice(-2)).toEqual([60, 61]);
      expect(values('k1')).toEqual(Array.from({ length: 20 }, (_, i) => i * 3 + 1));
    } finally {
      await collector.stop();
      await sut.close();
    }
  });

  it('should refuse a message larger than its topic takes with MessageTooLargeError and send the rest, never retrying it', async () => {
    // A raw producer's event near the broker's limit makes a delivery task over it: refusing
    // that one message must not hold every later send behind a request retried forever.
    const topic = t.topics.retry[4]!;
    await setTopicMaxMessageBytes(t.kafka, topic, 64 * 1024);
    const sut = new BatchingProducer(t.kafka, {
      lingerMs: 20,
      retryBackoff: { initialMs: 50, maxMs: 200 },
    });
    const collector = await TopicCollector.start(t.kafka, [topic]);
    try {
      const big = randomBytes(100_000).toString('base64'); // incompressible
      const outcomes = await Promise.race([
        Promise.allSettled([
          sut.send(topic, { key: 'k0', value: 'before' }),
          sut.send(topic, { key: 'k0', value: big }),
          sut.send(topic, { key: 'k0', value: 'after' }),
          sut.send(topic, { key: 'k1', value: 'elsewhere' }),
          // The request they share is sent again in halves, down to the refused message alone.
          ...Array.from({ length: 12 }, (_, i) =>
            sut.send(topic, { key: `k${2 + (i % 3)}`, value: String(i) }),
          ),
        ]),
        new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 15_000)),
      ]);
      expect(outcomes).not.toBe('stuck');
      const [before, refused, after, ...others] = outcomes as PromiseSettledResult<void>[];
      expect([before, after, ...others].map((o) => o!.status)).toEqual(Array(15).fill('fulfilled'));
      expect(refused!.status).toBe('rejected');
      const error = (refused as PromiseRejectedResult).reason as MessageTooLargeError;
      expect(error).toBeInstanceOf(MessageTooLargeError);
      expect(error.topic).toBe(topic);
      await sut.send(topic, { key: 'k0', value: 'later' });

      await collector.waitFor((messages) => messages.some((m) => m.value === 'later'));
      expect(collector.byKey('k0').map((m) => m.value)).toEqual(['before', 'after', 'later']);
      expect(collector.byKey('k1').map((m) => m.value)).toContain('elsewhere');
      // At least once, in order: a partition's batch that the broker took may come again.
      expect(new Set(collector.byKey('k2').map((m) => m.value))).toEqual(
        new Set(['0', '3', '6', '9']),
      );
    } finally {
      await collector.stop();
      await sut.close();
    }
  });

  it('should end close() within its bound with the broker unreachable, rejecting what it could not send', async () => {
    // Nothing listens on this port: every connection attempt is refused.
    const kafka = createKafka({
      brokers: [`127.0.0.1:${await freePort()}`],
      clientId: uniqueName('unreachable'),
      logLevel: logLevel.NOTHING,
    });
    const sut = new BatchingProducer(kafka, {
      closeTimeoutMs: 1000,
      retryBackoff: { initialMs: 50, maxMs: 200 },
    });
    const sent = sut.send('anywhere', { key: 'k', value: 'v' });
    const outcome = sent.then(
      () => 'acknowledged',
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 300)); // a few failed attempts

    const began = Date.now();
    await sut.close();
    expect(Date.now() - began).toBeLessThan(3500);
    expect(await outcome).toBeInstanceOf(ProducerClosedError);
    await expect(sut.send('anywhere', { value: 'late' })).rejects.toBeInstanceOf(
      ProducerClosedError,
    );
  });

  it('should still send what is queued when closed with the broker up', async () => {
    const sut = new BatchingProducer(t.kafka, { lingerMs: 50 });
    const sent = sut.send(t.topics.operational, { key: 'k', value: 'queued' });
    await sut.close();
    await expect(sent).resolves.toBeUndefined();
  });
});
