import { KafkaJSProtocolError, type Kafka } from 'kafkajs';
import type { WebhookState } from '@hookline/contracts';
import { createTestTopics, pollUntil, type TestTopics } from '@hookline/testing';
import { ChangelogReader } from './changelog-reader';
import { WebhookView } from './webhook-view';

const state = (id: string, version: number, patch: Partial<WebhookState> = {}): WebhookState => ({
  id,
  project_id: 'prj_1',
  url: 'https://example.test/hook',
  events: ['*'],
  description: null,
  active: true,
  disabled_reason: null,
  signature_scheme: 'standard',
  secrets: [{ ciphertext: 'AAAA', expires_at: null }],
  version,
  created_at: '2026-11-22T00:00:00.000Z',
  updated_at: '2026-11-22T00:00:00.000Z',
  ...patch,
});

describe(ChangelogReader.name, () => {
  let topics: TestTopics;
  beforeAll(async () => {
    topics = await createTestTopics();
  });
  afterAll(() => topics.drop());

  it('should replay the changelog, catch up, then follow live changes', async () => {
    const producer = topics.kafka.producer({ idempotent: true });
    await producer.connect();
    const topic = topics.topics.webhooksChangelog;
    const send = (key: string, value: WebhookState | null) =>
      producer.send({
        topic,
        acks: -1,
        messages: [{ key, value: value ? JSON.stringify(value) : null }],
      });
    await send('wh_a', state('wh_a', 1));
    await send('wh_b', state('wh_b', 1));
    await send('wh_a', state('wh_a', 2, { url: 'https://example.test/v2' }));
    await send('wh_b', null);
    await send('wh_a', state('wh_a', 1, { url: 'https://example.test/stale' }));

    const view = new WebhookView();
    const sut = new ChangelogReader({
      kafka: topics.kafka,
      topic,
      groupPrefix: `${topics.prefix}test`,
      onRecord: (k, v) => view.apply(k, v),
    });
    await sut.start();
    try {
      await sut.caughtUp;
      expect(sut.isCaughtUp).toBe(true);
      expect(view.size).toBe(1);
      expect(view.get('wh_a')?.url).toBe('https://example.test/v2');
      expect(view.get('wh_b')).toBeUndefined();

      await send('wh_c', state('wh_c', 1));
      await pollUntil(() => view.get('wh_c'), {
        timeoutMs: 15_000,
        message: 'live record applied',
      });
    } finally {
      await sut.stop();
      await producer.disconnect();
    }
  });

  it('should be caught up at once on an empty topic', async () => {
    const sut = new ChangelogReader({
      kafka: topics.kafka,
      topic: topics.topics.operational,
      groupPrefix: `${topics.prefix}empty`,
      onRecord: () => undefined,
    });
    await sut.start();
    try {
      expect(sut.isCaughtUp).toBe(true);
    } finally {
      await sut.stop();
    }
  });

  it('should resolve sync() only once every record written before the call is applied', async () => {
    const producer = topics.kafka.producer({ idempotent: true });
    await producer.connect();
    const topic = topics.topics.webhooksChangelog;
    const view = new WebhookView();
    let slow = false;
    const sut = new ChangelogReader({
      kafka: topics.kafka,
      topic,
      groupPrefix: `${topics.prefix}sync`,
      onRecord: async (k, v) => {
        // A reader that lags well behind the writes, as under load.
        if (slow) await new Promise((r) => setTimeout(r, 300));
        view.apply(k, v);
      },
    });
    await sut.start();
    try {
      await sut.caughtUp;
      slow = true;
      for (const id of ['wh_s1', 'wh_s2', 'wh_s3']) {
        await producer.send({
          topic,
          acks: -1,
          messages: [{ key: id, value: JSON.stringify(state(id, 1)) }],
        });
      }
      await Promise.all([sut.sync(), sut.sync()]);
      expect(['wh_s1', 'wh_s2', 'wh_s3'].map((id) => view.get(id)?.version)).toEqual([1, 1, 1]);
      slow = false;
      await sut.sync(); // nothing new: resolves at once
    } finally {
      await sut.stop();
      await producer.disconnect();
    }
  });

  describe('on a topic whose partitions the broker does not serve yet', () => {
    /**
     * What a broker answers ListOffsets for a partition it lists with a leader but has not
     * finished taking the lead of: for some hundred ms after the topic was created, longer under
     * load. It cannot be produced on demand, so the first answers of the real admin are replaced.
     */
    const failingFirst = (
      kafka: Kafka,
      failures: number,
      error: () => Error,
    ): { kafka: Kafka; calls: () => number } => {
      let calls = 0;
      const admin = kafka.admin.bind(kafka);
      const wrapped = Object.create(kafka) as Kafka;
      wrapped.admin = (config) => {
        const real = admin(config);
        const fetch = real.fetchTopicOffsets.bind(real);
        real.fetchTopicOffsets = (topic) =>
          ++calls <= failures ? Promise.reject(error()) : fetch(topic);
        return real;
      };
      return { kafka: wrapped, calls: () => calls };
    };
    const notLeaderYet = () =>
      new KafkaJSProtocolError(
        Object.assign(new Error('This server is not the leader for that topic-partition'), {
          type: 'NOT_LEADER_FOR_PARTITION',
          code: 6,
        }),
      );

    it('should retry until the partitions are served, then catch up', async () => {
      const { kafka, calls } = failingFirst(topics.kafka, 2, notLeaderYet);
      const sut = new ChangelogReader({
        kafka,
        topic: topics.topics.webhooksChangelog,
        groupPrefix: `${topics.prefix}settling`,
        onRecord: () => undefined,
      });
      try {
        await sut.start();
        await sut.caughtUp;
        expect(calls()).toBe(3);
        await sut.sync(); // end offsets through EndOffsets, not the admin client
        expect(calls()).toBe(3);
      } finally {
        await sut.stop();
      }
    });

    it('should fail at once on any other error', async () => {
      const { kafka, calls } = failingFirst(topics.kafka, 1, () => new Error('boom'));
      const sut = new ChangelogReader({
        kafka,
        topic: topics.topics.webhooksChangelog,
        groupPrefix: `${topics.prefix}boom`,
        onRecord: () => undefined,
      });
      await expect(sut.start()).rejects.toThrow('boom');
      expect(calls()).toBe(1);
      await sut.stop();
    });
  });
});
