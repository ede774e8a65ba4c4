import { connect } from 'node:net';
import { Kafka, KafkaJSNonRetriableError, logLevel, type Producer } from 'kafkajs';
import {
  TcpProxy,
  createTestTopics,
  pollUntil,
  uniqueName,
  type TestTopics,
} from '@hookline/testing';
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

  /** A client whose every connection, whatever broker the metadata names, goes through `proxy`. */
  function kafkaThrough(proxy: TcpProxy, o: { connectionTimeout: number; retries: number }): Kafka {
    return new Kafka({
      clientId: 'through-proxy',
      brokers: [proxy.address],
      logLevel: logLevel.NOTHING,
      connectionTimeout: o.connectionTimeout,
      retry: { initialRetryTime: 100, retries: o.retries },
      socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port: proxy.port }, onConnect),
    });
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

  /**
   * Records which runner handled each message written from now on to the three partitions of
   * `topic` (earlier tests' messages are done at once, unrecorded); `first()` makes the member
   * that holds the partitions, its work `work`; `second()` starts the member that joins group
   * `groupId`, its work done at once.
   */
  async function handOverLedger(topic: string, groupId: string) {
    const admin = t.kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
    const from = new Map(ends.map((e) => [e.partition, BigInt(e.offset)]));
    const handledBy = new Map<string, string[]>();
    const handler =
      (who: string, work: () => Promise<void>) =>
      (m: ConsumedMessage): Promise<void> => {
        if (BigInt(m.offset) < from.get(m.partition)!) return Promise.resolve();
        const key = `${m.partition}/${m.offset}`;
        handledBy.set(key, [...(handledBy.get(key) ?? []), who]);
        return work();
      };
    return {
      handledBy,
      from: (partition: number) => from.get(partition)!,
      handledTwice: () => [...handledBy].filter(([, who]) => who.length > 1).map(([key]) => key),
      first(work: () => Promise<void>, options: Partial<ConsumerRunnerOptions>): ConsumerRunner {
        return runner({ ...options, groupId, topics: [topic], handle: handler('first', work) });
      },
      async second(): Promise<ConsumerRunner> {
        const member = runner({
          groupId,
          topics: [topic],
          handle: handler('second', async () => undefined),
        });
        await member.start();
        return member;
      },
    };
  }

  it('should finish and commit its work before a member that joins takes partitions from it', async () => {
    const topic = t.topics.deliveries; // three partitions
    const groupId = uniqueName('handover');
    const ledger = await handOverLedger(topic, groupId);
    const working = () => new Promise<void>((r) => setTimeout(r, 1500));
    // A commit interval longer than the test: only the hand-over can commit the first member's work.
    const first = ledger.first(working, { commitIntervalMs: 60_000 });
    await first.start();
    await pollUntil(() => first.consuming, { message: 'first joined' });
    const values = Array.from({ length: 30 }, (_, i) => `m${i}`);
    for (const partition of [0, 1, 2]) await write(topic, values, partition);
    await pollUntil(() => ledger.handledBy.size === 90, { message: 'all ninety handed out' });

    // Joins while every message's work is still under way on the first member.
    const second = await ledger.second();
    await pollUntil(() => second.consuming && Object.values(second.assignment).flat().length > 0, {
      timeoutMs: 30_000,
      message: 'second took partitions',
    });
    await new Promise((r) => setTimeout(r, 1000)); // time to read what it was given
    expect(ledger.handledTwice()).toEqual([]);
    for (const partition of [0, 1, 2])
      expect(await committed(groupId, topic, partition)).toBe(String(ledger.from(partition) + 30n));
  });

  it('should hand its partitions over without repeats when its batches wait for room (whenFull: wait)', async () => {
    const topic = t.topics.deliveries;
    const groupId = uniqueName('handover-wait');
    const ledger = await handOverLedger(topic, groupId);
    const working = () => new Promise<void>((r) => setTimeout(r, 1000));
    // Ten in hand per partition, the rest of each batch waiting for room.
    const first = ledger.first(working, {
      whenFull: 'wait',
      maxPendingPerPartition: 10,
      commitIntervalMs: 60_000,
      heartbeatIntervalMs: 300,
    });
    // Written first, so that one fetch brings all three partitions: a batch waiting for room holds
    // up the fetch after it.
    const values = Array.from({ length: 30 }, (_, i) => `m${i}`);
    for (const partition of [0, 1, 2]) await write(topic, values, partition);
    await first.start();
    await pollUntil(() => ledger.handledBy.size >= 30, { message: 'ten a partition in hand' });

    await ledger.second();
    await pollUntil(() => ledger.handledBy.size === 90, {
      timeoutMs: 30_000,
      message: 'every message handled',
    });
    await pollUntil(async () => (await committed(groupId, topic, 0)) !== '-1', {
      message: 'committed',
    });
    expect(ledger.handledTwice()).toEqual([]);
  });

  it('should join a rebalance after handOverTimeoutMs even with work unfinished, leaving it to the next owner', async () => {
    const topic = t.topics.deliveries;
    const groupId = uniqueName('slow-handover');
    const ledger = await handOverLedger(topic, groupId);
    // Work that outlasts the test, as an attempt at an endpoint that hangs.
    const first = ledger.first(() => new Promise<void>(() => undefined), {
      handOverTimeoutMs: 300,
    });
    await first.start();
    await pollUntil(() => first.consuming, { message: 'first joined' });
    for (const partition of [0, 1, 2]) await write(topic, ['a', 'b'], partition);
    await pollUntil(() => ledger.handledBy.size === 6, { message: 'all six handed out' });

    const joining = Date.now();
    const second = await ledger.second();
    await pollUntil(() => Object.values(second.assignment).flat().length > 0, {
      timeoutMs: 30_000,
      message: 'second took partitions',
    });
    // The join waits for the first member's next heartbeat (1 s apart here) and its 300 ms.
    expect(Date.now() - joining).toBeLessThan(10_000);
    const moved = Object.values(second.assignment).flat();
    await pollUntil(() => ledger.handledTwice().length === moved.length * 2, {
      message: 'the unfinished work of the moved partitions read again',
    });
  });

  it('should be the only member of its group once the network to Kafka comes back after a cut', async () => {
    const proxy = await TcpProxy.start(t.brokers[0]!);
    const throughProxy = kafkaThrough(proxy, { connectionTimeout: 1000, retries: 3 });
    const topic = t.topics.events;
    const groupId = uniqueName('cut');
    const seen = new Set<string>();
    // Work that finishes while the network is cut: its commit fails mid-crash (the race in which
    // both kafkajs and the runner used to bring a consumer back).
    let finishSlow!: () => void;
    const slow = new Promise<void>((resolve) => (finishSlow = resolve));
    const sut = runner({
      kafka: throughProxy,
      groupId,
      topics: [topic],
      commitIntervalMs: 20,
      handle: async (m) => {
        if (m.value!.toString() === 'slow') await slow;
        seen.add(m.value!.toString());
      },
    });
    try {
      await sut.start();
      await pollUntil(() => sut.consuming, { message: 'joined' });
      await write(topic, ['before', 'slow']);
      await pollUntil(() => seen.has('before'), { message: 'consumed before the cut' });

      await proxy.close();
      setTimeout(finishSlow, 300);
      await pollUntil(() => !sut.consuming, { timeoutMs: 30_000, message: 'crashed' });
      // Long enough for kafkajs's retries to run out and for restarts to be scheduled.
      await new Promise((r) => setTimeout(r, 6000));
      await proxy.open();

      await pollUntil(() => sut.consuming, { timeoutMs: 60_000, message: 'joined again' });
      const after = Array.from({ length: 20 }, (_, i) => `after-${i}`);
      for (let p = 0; p < 3; p++) await write(topic, after.slice(p * 7, p * 7 + 7), p);
      await pollUntil(() => after.every((v) => seen.has(v)), {
        timeoutMs: 60_000,
        message: 'consumed after the cut',
      });
      // A consumer from before the cut that came back on its own would hold partitions unread.
      const admin = t.kafka.admin();
      await admin.connect();
      try {
        const {
          groups: [group],
        } = await admin.describeGroups([groupId]);
        expect(group!.members).toHaveLength(1);
      } finally {
        await admin.disconnect();
      }
    } finally {
      await proxy.close();
    }
  }, 150_000);

  it('should consume again soon after a long outage ends, not a long backoff later', async () => {
    const proxy = await TcpProxy.start(t.brokers[0]!);
    // The services' client settings (createKafkaClient): 8 retries from 100 ms.
    const throughProxy = kafkaThrough(proxy, { connectionTimeout: 3000, retries: 8 });
    const topic = t.topics.events;
    const seen = new Set<string>();
    const sut = runner({
      kafka: throughProxy,
      groupId: uniqueName('outage'),
      topics: [topic],
      // The runner's own restart schedule, as the services run it.
      restartBackoff: undefined,
      // Gone before the network comes back: the new member does not wait for the old one.
      sessionTimeoutMs: 6000,
      handle: async (m) => void seen.add(m.value!.toString()),
    });
    try {
      await sut.start();
      await pollUntil(() => sut.consuming, { message: 'joined' });
      await proxy.close();
      await pollUntil(() => !sut.consuming, { timeoutMs: 30_000, message: 'crashed' });
      // Long enough for several failed restarts, each waiting longer than the one before.
      await new Promise((r) => setTimeout(r, 20_000));
      await proxy.open();
      const back = Date.now();
      await write(topic, ['after the outage']);
      await pollUntil(() => seen.has('after the outage'), {
        timeoutMs: 60_000,
        message: 'consumed after the outage',
      });
      // 7 s when the restarts waited up to 30 s, each twice the one before.
      expect(Date.now() - back).toBeLessThan(3000);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  /** The stack's client, counting the fetches of the consumers it makes (kafkajs's FETCH event). */
  function countingFetches(): { kafka: Kafka; fetches: () => number } {
    let fetches = 0;
    const kafka = Object.create(t.kafka) as Kafka;
    kafka.consumer = (config) => {
      const consumer = t.kafka.consumer(config);
      consumer.on(consumer.events.FETCH, () => fetches++);
      return consumer;
    };
    return { kafka, fetches: () => fetches };
  }

  it('should fetch an idle topic once per longPollMs, and take a new message as it comes', async () => {
    const topic = t.topics.retry[0]!;
    const { kafka, fetches } = countingFetches();
    const seenAt: number[] = [];
    const sut = runner({
      groupId: uniqueName('long-poll'),
      topics: [topic],
      kafka,
      maxWaitMs: 50,
      longPollMs: 1000,
      handle: async () => void seenAt.push(Date.now()),
    });
    await sut.start();
    await pollUntil(() => sut.consuming, { message: 'joined' });
    await new Promise((r) => setTimeout(r, 500));
    const before = fetches();
    await new Promise((r) => setTimeout(r, 3000));
    // About three; at maxWaitMs it would be about sixty.
    expect(fetches() - before).toBeLessThanOrEqual(6);

    const sentAt = Date.now();
    await write(topic, ['new']);
    await pollUntil(() => seenAt.length === 1, { message: 'the new message handled' });
    expect(seenAt[0]! - sentAt).toBeLessThan(700);
  });

  it('should read a partition resumed after a pause for room within maxWaitMs, not longPollMs', async () => {
    const topic = t.topics.retry[1]!;
    const finish = new Map<string, () => void>();
    const handledAt = new Map<string, number>();
    const sut = runner({
      groupId: uniqueName('long-poll-pause'),
      topics: [topic],
      maxWaitMs: 50,
      longPollMs: 5000,
      // One unfinished message fills a partition: it is paused until that message finishes.
      maxPendingPerPartition: 1,
      handle: (m) => {
        const value = m.value!.toString();
        handledAt.set(value, Date.now());
        return new Promise<void>((resolve) => finish.set(value, resolve));
      },
    });
    await sut.start();
    await pollUntil(() => sut.consuming, { message: 'joined' });
    await write(topic, ['first'], 0);
    await pollUntil(() => finish.has('first'), { message: 'first handed out' });
    await write(topic, ['second'], 0);
    // Partition 0 is paused; the other two are idle, and their fetches keep going meanwhile.
    await new Promise((r) => setTimeout(r, 1000));
    expect(handledAt.has('second')).toBe(false);

    const resumedAt = Date.now();
    finish.get('first')!();
    await pollUntil(() => handledAt.has('second'), {
      timeoutMs: 10_000,
      message: 'second handed out after the resume',
    });
    // A fetch of the idle partitions waiting longPollMs would hold the resumed one up to 5 s.
    expect(handledAt.get('second')! - resumedAt).toBeLessThan(1000);
    finish.get('second')!();
  });
});
