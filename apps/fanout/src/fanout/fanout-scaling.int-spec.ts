import { deliveryId, type DeliveryTask } from '@hookline/contracts';
import { parseConfig } from '@hookline/config';
import {
  TopicCollector,
  TopicWriter,
  createTestTopics,
  eventEnvelope,
  pollUntil,
  waitForCollected,
  waitForGroupCaughtUp,
  webhookState,
  type TestTopics,
} from '@hookline/testing';
import { createFanoutService, type FanoutApp } from '../fanout.app';
import { FanoutConsumer } from './fanout.consumer';

describe(`${FanoutConsumer.name} in a group of two`, () => {
  let topics: TestTopics;
  let writer: TopicWriter;
  let tasks: TopicCollector;
  const apps: FanoutApp[] = [];

  const start = async () => {
    const app = createFanoutService(
      parseConfig({
        KAFKA_BROKERS: topics.brokers.join(','),
        HOOKLINE_TOPIC_PREFIX: topics.prefix,
        HOOKLINE_TOPIC_PARTITIONS: '3',
        HOOKLINE_METRICS_PORT: '0',
        HOOKLINE_LOG_LEVEL: 'error',
        HOOKLINE_KAFKA_SESSION_TIMEOUT: '6s',
      }),
      { heartbeatIntervalMs: 200 },
    );
    apps.push(app);
    await app.start();
    return app;
  };
  const metric = async (app: FanoutApp, name: string) => {
    const text = await (await fetch(`${app.opsUrl}/metrics`)).text();
    return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  };

  beforeAll(async () => {
    topics = await createTestTopics(undefined, 5, 3);
    writer = await TopicWriter.connect(topics.kafka);
    tasks = await TopicCollector.start(topics.kafka, [topics.topics.deliveries]);
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await tasks?.stop();
    await writer?.close();
    await topics?.drop();
  });

  it('should share the partitions and, in steady state, produce each task once', async () => {
    const hooks = [
      webhookState({ project_id: 'prj_scale', events: ['*'] }),
      webhookState({ project_id: 'prj_scale', events: ['project.*'] }),
    ];
    for (const h of hooks) await writer.webhook(topics.topics.webhooksChangelog, h);
    const [a, b] = [await start(), await start()];
    await pollUntil(
      () => {
        const [pa, pb] = [a!.service.assignment, b!.service.assignment];
        return pa.length > 0 && pb.length > 0 && [...pa, ...pb].sort().join() === '0,1,2';
      },
      { timeoutMs: 20_000, message: 'partitions shared between both instances' },
    );

    const events = Array.from({ length: 90 }, () =>
      eventEnvelope({ project_id: 'prj_scale', event: 'project.updated' }),
    );
    const producer = topics.kafka.producer();
    await producer.connect();
    try {
      // Spread over every partition, so both instances have their share to fan out.
      await producer.send({
        topic: topics.topics.events,
        acks: -1,
        messages: events.map((e, i) => ({
          partition: i % 3,
          key: e.project_id,
          value: JSON.stringify(e),
        })),
      });
    } finally {
      await producer.disconnect();
    }
    await waitForGroupCaughtUp(
      topics.kafka,
      `${topics.prefix}hookline.fanout`,
      topics.topics.events,
    );
    await waitForCollected(topics.kafka, tasks, topics.topics.deliveries);

    const produced = tasks.json<DeliveryTask>();
    expect(produced).toHaveLength(events.length * 2);
    expect(new Set(produced.map((t) => t.delivery_id)).size).toBe(events.length * 2);
    for (const e of events) {
      const ids = produced
        .filter((t) => t.event.id === e.id)
        .map((t) => t.delivery_id)
        .sort();
      expect(ids).toEqual(hooks.map((h) => deliveryId(e.id, h.id)).sort());
    }
    const consumedByA = await metric(a!, 'hookline_fanout_events_consumed_total');
    const consumedByB = await metric(b!, 'hookline_fanout_events_consumed_total');
    expect(consumedByA).toBeGreaterThan(0);
    expect(consumedByB).toBeGreaterThan(0);
    expect(consumedByA + consumedByB).toBe(events.length);
    expect(
      (await metric(a!, 'hookline_fanout_tasks_produced_total')) +
        (await metric(b!, 'hookline_fanout_tasks_produced_total')),
    ).toBe(events.length * 2);
  });
});
