import { DeliveryTaskSchema, deliveryId, type DeliveryTask } from '@hookline/contracts';
import { parseConfig } from '@hookline/config';
import { createMetricsRegistry } from '@hookline/telemetry';
import {
  TopicCollector,
  TopicWriter,
  createTestTopics,
  eventEnvelope,
  pollUntil,
  webhookState,
  type TestTopics,
} from '@hookline/testing';
import { FanoutService } from './fanout.service';

describe(FanoutService.name, () => {
  let topics: TestTopics;
  let writer: TopicWriter;
  let tasks: TopicCollector;
  const services: FanoutService[] = [];

  const startService = async () => {
    const config = parseConfig({
      KAFKA_BROKERS: topics.brokers.join(','),
      HOOKLINE_TOPIC_PREFIX: topics.prefix,
      HOOKLINE_TOPIC_PARTITIONS: '3',
      HOOKLINE_LOG_LEVEL: 'warn',
    });
    const service = new FanoutService(config, createMetricsRegistry('fanout-test'));
    services.push(service);
    await service.start();
    return service;
  };
  const taskFor = (eventId: string) => tasks.json<DeliveryTask>().filter((t) => t.event.id === eventId);
  const waitForTasks = (eventId: string, n: number) =>
    pollUntil(() => taskFor(eventId).length >= n && taskFor(eventId), { timeoutMs: 20_000, message: `${n} tasks for ${eventId}` });

  beforeAll(async () => {
    topics = await createTestTopics(undefined, 3, 3);
    writer = await TopicWriter.connect(topics.kafka);
    tasks = await TopicCollector.start(topics.kafka, [topics.topics.deliveries]);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await tasks?.stop();
    await writer?.close();
    await topics?.drop();
  });

  it('should fan an event out to exactly the matching webhooks, keeping projects apart', async () => {
    const cl = topics.topics.webhooksChangelog;
    const exact = webhookState({ project_id: 'prj_a', events: ['ignite.deployment.created'] });
    const wildcard = webhookState({ project_id: 'prj_a', events: ['ignite.deployment.*'] });
    const all = webhookState({ project_id: 'prj_a', events: ['*'] });
    const other = webhookState({ project_id: 'prj_a', events: ['project.*'] });
    const otherProject = webhookState({ project_id: 'prj_b', events: ['*'] });
    const inactive = webhookState({ project_id: 'prj_a', events: ['*'], active: false, disabled_reason: 'manual' });
    const deleted = webhookState({ project_id: 'prj_a', events: ['*'] });
    for (const w of [exact, wildcard, all, other, otherProject, inactive, deleted]) await writer.webhook(cl, w);
    await writer.tombstone(cl, deleted.id);
    await startService();

    const event = eventEnvelope({ project_id: 'prj_a', event: 'ignite.deployment.created', data: { deployment_id: 'd1' } });
    await writer.events(topics.topics.events, [event]);
    const found = await waitForTasks(event.id, 3);
    // A moment more to be sure nothing extra follows.
    await pollUntil(() => tasks.messages.length >= 3, { timeoutMs: 2000 });
    const ids = taskFor(event.id).map((t) => t.webhook_id).sort();
    expect(ids).toEqual([exact.id, wildcard.id, all.id].sort());
    for (const t of found) {
      expect(DeliveryTaskSchema.parse(t)).toEqual(t);
      expect(t.delivery_id).toBe(deliveryId(event.id, t.webhook_id));
      expect(t.attempt).toBe(1);
      expect(t.event).toEqual(event);
    }
    const keys = tasks.messages.filter((m) => JSON.parse(m.value).event.id === event.id).map((m) => m.key);
    expect(keys.sort()).toEqual(ids);
  });

  it('should follow the changelog live: a new webhook and a changed event list take effect', async () => {
    const cl = topics.topics.webhooksChangelog;
    const late = webhookState({ project_id: 'prj_live', events: ['project.updated'] });
    await writer.webhook(cl, late);
    const service = services[0]!;
    await pollUntil(() => service.view.get(late.id), { message: 'new webhook in the view' });
    const first = eventEnvelope({ project_id: 'prj_live', event: 'project.updated' });
    await writer.events(topics.topics.events, [first]);
    await waitForTasks(first.id, 1);

    await writer.webhook(cl, { ...late, events: ['project.member.created'], version: 2 });
    await pollUntil(() => service.view.get(late.id)?.version === 2, { message: 'update applied' });
    const second = eventEnvelope({ project_id: 'prj_live', event: 'project.updated' });
    const third = eventEnvelope({ project_id: 'prj_live', event: 'project.member.created', data: { user_id: 'u1' } });
    await writer.events(topics.topics.events, [second, third]);
    await waitForTasks(third.id, 1);
    expect(taskFor(second.id)).toHaveLength(0);
  });

  it('should send a poison message to the DLQ and keep the partition flowing', async () => {
    const dlq = await TopicCollector.start(topics.kafka, [topics.topics.eventsDlq]);
    try {
      await writer.webhook(topics.topics.webhooksChangelog, webhookState({ project_id: 'prj_poison', events: ['*'] }));
      await pollUntil(() => services[0]!.index.match('prj_poison', 'project.updated').length === 1);
      await writer.raw(topics.topics.events, 'prj_poison', '{not json');
      await writer.raw(topics.topics.events, 'prj_poison', JSON.stringify({ id: 'evt_x', event: 'project.updated' }));
      const next = eventEnvelope({ project_id: 'prj_poison' });
      await writer.events(topics.topics.events, [next]);
      await waitForTasks(next.id, 1);
      const dead = await dlq.waitFor((m) => m.length >= 2);
      expect(dead.map((m) => m.headers['hookline-dlq-reason'])).toEqual([expect.stringMatching(/SyntaxError/), expect.stringMatching(/schema/)]);
      expect(dead[0]!.headers['hookline-dlq-source-topic']).toContain(topics.topics.events);
    } finally {
      await dlq.stop();
    }
  });

  it('should lose no task across a restart, and share partitions between two instances', async () => {
    await writer.webhook(topics.topics.webhooksChangelog, webhookState({ project_id: 'prj_restart', events: ['*'] }));
    await pollUntil(() => services[0]!.index.match('prj_restart', 'project.updated').length === 1);
    const before = Array.from({ length: 30 }, () => eventEnvelope({ project_id: 'prj_restart' }));
    await writer.events(topics.topics.events, before);
    await services.shift()!.stop();
    const during = Array.from({ length: 30 }, () => eventEnvelope({ project_id: 'prj_restart' }));
    await writer.events(topics.topics.events, during);
    await Promise.all([startService(), startService()]);
    const after = Array.from({ length: 60 }, (_, i) => eventEnvelope({ project_id: `prj_restart`, id: `evt_after_${i}` }));
    await writer.events(topics.topics.events, after);
    for (const e of [...before, ...during, ...after]) await waitForTasks(e.id, 1);
    // In steady state (after the rebalance) each task is produced once.
    for (const e of after) expect(taskFor(e.id)).toHaveLength(1);
  });
});
