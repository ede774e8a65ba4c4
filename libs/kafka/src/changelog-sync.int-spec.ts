import { createTestTopics, type TestTopics } from '@hookline/testing';
import { ChangelogReader } from './changelog-reader';
import { ChangelogSync } from './changelog-sync';
import { EndOffsets } from './end-offsets';

describe(ChangelogSync.name, () => {
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await createTestTopics();
  });
  afterAll(() => topics.drop());

  /** A reader that lags well behind the writes, as under load, and records what it applied. */
  const slowReader = (topic: string, name: string) => {
    const applied: string[] = [];
    let slow = false;
    const reader = new ChangelogReader({
      kafka: topics.kafka,
      topic,
      groupPrefix: `${topics.prefix}${name}`,
      onRecord: async (key) => {
        if (slow) await new Promise((r) => setTimeout(r, 200));
        applied.push(key);
      },
    });
    return { reader, applied, slowDown: () => (slow = true) };
  };

  it('should resolve only once every record written to any of its topics before the call is applied', async () => {
    const webhooks = slowReader(topics.topics.webhooksChangelog, 'sync-webhooks');
    const catalog = slowReader(topics.topics.catalogChangelog, 'sync-catalog');
    const sut = new ChangelogSync(topics.kafka, [webhooks.reader, catalog.reader]);
    const producer = topics.kafka.producer({ idempotent: true });
    await producer.connect();
    await Promise.all([webhooks.reader.start(), catalog.reader.start()]);
    try {
      await Promise.all([webhooks.reader.caughtUp, catalog.reader.caughtUp]);
      webhooks.slowDown();
      catalog.slowDown();
      const write = (topic: string, keys: string[]) =>
        producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: key })) });
      await write(topics.topics.webhooksChangelog, ['wh_1', 'wh_2', 'wh_3']);
      await write(topics.topics.catalogChangelog, ['type.a', 'type.b']);

      await Promise.all([sut.sync(), sut.sync()]);
      expect(webhooks.applied).toEqual(expect.arrayContaining(['wh_1', 'wh_2', 'wh_3']));
      expect(catalog.applied).toEqual(expect.arrayContaining(['type.a', 'type.b']));
      await sut.sync(); // nothing new: resolves at once
    } finally {
      await sut.close();
      await Promise.all([webhooks.reader.stop(), catalog.reader.stop()]);
      await producer.disconnect();
    }
  });

  it('should read the end offsets of several topics as the admin client does', async () => {
    const producer = topics.kafka.producer({ idempotent: true });
    await producer.connect();
    const admin = topics.kafka.admin();
    await admin.connect();
    const sut = new EndOffsets(topics.kafka, [topics.topics.events, topics.topics.operational]);
    try {
      await producer.send({
        topic: topics.topics.events,
        acks: -1,
        messages: ['a', 'b', 'c', 'd'].map((key) => ({ key, value: key })),
      });
      const ends = await sut.fetch();
      for (const topic of [topics.topics.events, topics.topics.operational]) {
        const expected = await admin.fetchTopicOffsets(topic);
        expect(ends.get(topic)).toEqual(
          new Map(expected.map((p) => [p.partition, BigInt(p.high)])),
        );
      }
      expect([...ends.get(topics.topics.events)!.values()].reduce((a, b) => a + b)).toBe(4n);
    } finally {
      await sut.close();
      await admin.disconnect();
      await producer.disconnect();
    }
  });
});
