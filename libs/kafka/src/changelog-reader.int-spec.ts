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
      producer.send({ topic, acks: -1, messages: [{ key, value: value ? JSON.stringify(value) : null }] });
    await send('wh_a', state('wh_a', 1));
    await send('wh_b', state('wh_b', 1));
    await send('wh_a', state('wh_a', 2, { url: 'https://example.test/v2' }));
    await send('wh_b', null);
    await send('wh_a', state('wh_a', 1, { url: 'https://example.test/stale' }));

    const view = new WebhookView();
    const sut = new ChangelogReader({ kafka: topics.kafka, topic, groupPrefix: `${topics.prefix}test`, onRecord: (k, v) => view.apply(k, v) });
    await sut.start();
    try {
      await sut.caughtUp;
      expect(sut.isCaughtUp).toBe(true);
      expect(view.size).toBe(1);
      expect(view.get('wh_a')?.url).toBe('https://example.test/v2');
      expect(view.get('wh_b')).toBeUndefined();

      await send('wh_c', state('wh_c', 1));
      await pollUntil(() => view.get('wh_c'), { timeoutMs: 15_000, message: 'live record applied' });
    } finally {
      await sut.stop();
      await producer.disconnect();
    }
  });

  it('should be caught up at once on an empty topic', async () => {
    const sut = new ChangelogReader({ kafka: topics.kafka, topic: topics.topics.operational, groupPrefix: `${topics.prefix}empty`, onRecord: () => undefined });
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
        await producer.send({ topic, acks: -1, messages: [{ key: id, value: JSON.stringify(state(id, 1)) }] });
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
});
