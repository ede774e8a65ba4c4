import { KafkaJSNonRetriableError, type Producer } from 'kafkajs';
import { createTestTopics, pollUntil, uniqueName, type TestTopics } from '@hookline/testing';
import { ConsumerRunner } from './consumer-runner';
import type { ConsumedMessage, ConsumerRunnerOptions } from './consumer-runner.types';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe(ConsumerRunner.name, () => {
  let t: TestTopics;
  let producer: Producer;
  const runners: ConsumerRunner[] = [];

  beforeAll(async () => {
    t = await createTestTopics();
    producer = t.kafka.producer({ idempotent: true });
    await producer.connect();
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await producer.disconnect();
    await t.drop();
  });

  const write = (topic: string, values: string[], partition = 0) =>
    producer.send({
      topic,
      acks: -1,
      messages: values.map((value) => ({ key: 'k', value, partition })),
    });

  function runner(
    options: Pick<ConsumerRunnerOptions, 'groupId' | 'topics' | 'handle'> &
      Partial<ConsumerRunnerOptions>,
  ): ConsumerRunner {
    const sut = new ConsumerRunner({
      name: 'test',
      kafka: t.kafka,
      maxPendingPerPartition: 100,
      maxPendingTotal: 1000,
      commitIntervalMs: 50,
      drainTimeoutMs: 100,
      restartBackoff: { initialMs: 100, maxMs: 1000 },
      sessionTimeoutMs: 10_000,
      log,
      ...options,
    });
    runners.push(sut);
    return sut;
  }

  async function committed(groupId: string, topic: string, partition = 0): Promise<string> {
    const admin = t.kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets!.partitions.find((p) => p.partition === partition)!.offset;
    } finally {
      await admin.disconnect();
    }
  }

  it('should re-create its consumer after a crash kafkajs does not restart, not consuming meanwhile', async () => {
    const topic = t.topics.events;
    const seen: string[] = [];
    let crashes = 0;
    const states: boolean[] = [];
    const sut = runner({
      groupId: uniqueName('crash'),
      topics: [topic],
      handle: async (m) => void seen.push(m.value!.toString()),
      beforeBatch: async () => {
        // Non-retriable: kafkajs reports a CRASH with restart: false and leaves the consumer dead.
        if (crashes++ === 0) throw new KafkaJSNonRetriableError('forced crash');
      },
    });
    const sampler = setInterval(() => {
      if (states[states.length - 1] !== sut.consuming) states.push(sut.consuming);
    }, 2);
    try {
      await sut.start();
      await pollUntil(() => sut.consuming, { message: 'joined' });
      await write(topic, ['a', 'b', 'c']);
      await pollUntil(() => seen.length === 3, { timeoutMs: 30_000, message: 'consumed again' });
      await pollUntil(() => sut.consuming, { message: 'joined again' });
    } finally {
      clearInterval(sampler);
    }
    expect(crashes).toBeGreaterThanOrEqual(2);
    expect(seen).toEqual(['a', 'b', 'c']);
    // Ready, then not while it was dead, then ready again.
    expect(states.slice(0, 3)).toEqual([false, true, false]);
    expect(states[states.length - 1]).toBe(true);
    expect(sut.health().live).toBe(true);
  });

  it('should commit only below finished work and hand the rest to the next consumer', async () => {
    const topic = t.topics.deliveries;
    const groupId = uniqueName('below');
    const waiting = new Map<string, () => void>();
    const first = runner({
      groupId,
      topics: [topic],
      handle: (m: ConsumedMessage) =>
        new Promise<void>((resolve) => waiting.set(m.offset, resolve)),
    });
    await first.start();
    await write(topic, ['m0', 'm1', 'm2', 'm3', 'm4']);
    await pollUntil(() => waiting.size === 5, { message: 'all five handed out' });

    // Finished out of order: 3, 2, 0; 1 and 4 never.
    for (const offset of ['3', '2', '0']) waiting.get(offset)!();
    await pollUntil(async () => (await committed(groupId, topic)) === '1', {
      message: 'offset 1 committed',
    });
    await new Promise((r) => setTimeout(r, 200)); // several commit intervals: it stays at 1
    expect(await committed(groupId, topic)).toBe('1');
    await first.stop();

    const again: string[] = [];
    const second = runner({
      groupId,
      topics: [topic],
      handle: async (m) => void again.push(m.offset),
    });
    await second.start();
    await pollUntil(() => again.length === 4, { message: 'the unfinished rest re-read' });
    expect(again).toEqual(['1', '2', '3', '4']);
    await pollUntil(async () => (await committed(groupId, topic)) === '5', {
      message: 'everything committed',
    });
  });
});
