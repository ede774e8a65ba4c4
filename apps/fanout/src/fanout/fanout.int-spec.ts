import { randomBytes } from 'node:crypto';
import {
  CatalogChangelog,
  DeliveryTaskSchema,
  KafkaHeaders,
  PENDING_VERIFICATION,
  deliveryId,
  type DeliveryTask,
  type EventEnvelope,
  type WebhookState,
} from '@hookline/contracts';
import { parseConfig } from '@hookline/config';
import { SecretBox } from '@hookline/persistence';
import { startTracing, stopTracing } from '@hookline/telemetry';
import {
  TopicCollector,
  TopicWriter,
  createTestTopics,
  eventEnvelope,
  pollUntil,
  setTopicMaxMessageBytes,
  waitForCollected,
  waitForGroupCaughtUp,
  webhookState,
  type TestTopics,
} from '@hookline/testing';
import { createFanoutService, type FanoutApp } from '../fanout.app';
import { FanoutService } from './fanout.service';

describe(FanoutService.name, () => {
  let topics: TestTopics;
  let writer: TopicWriter;
  let tasks: TopicCollector;
  let app: FanoutApp;
  let indexSizeWhenFirstReady = -1;
  const box = new SecretBox(randomBytes(32));
  const hook = (project_id: string, events: string[], patch: Partial<WebhookState> = {}) =>
    webhookState({
      project_id,
      events,
      box,
      plaintextSecrets: [`whsec_${randomBytes(32).toString('base64')}`],
      ...patch,
    });

  const exact = hook('prj_a', ['ignite.deployment.created']);
  const wildcard = hook('prj_a', ['ignite.deployment.*']);
  const everything = hook('prj_a', ['*']);
  const projectOnly = hook('prj_a', ['project.*', 'project.updated']);
  const otherProject = hook('prj_b', ['*']);
  const unverified = hook('prj_a', ['*'], {
    active: false,
    disabled_reason: PENDING_VERIFICATION,
  });
  const disabled = hook('prj_a', ['project.updated'], {
    active: false,
    disabled_reason: 'deliveries failed',
  });
  const deleted = hook('prj_a', ['*']);
  const fillers = Array.from({ length: 300 }, (_, i) =>
    hook(`prj_filler_${i % 30}`, ['ignite.*', 'project.member.*']),
  );
  const indexedAtBoot = 6 + fillers.length;

  const tasksOf = (event: EventEnvelope) =>
    tasks.json<DeliveryTask>().filter((t) => t.event.id === event.id);
  const webhooksOf = (event: EventEnvelope) =>
    tasksOf(event)
      .map((t) => t.webhook_id)
      .sort();
  /** Publishes events and waits until fan-out has processed them and every task is read. */
  const publish = async (...events: EventEnvelope[]) => {
    await writer.events(topics.topics.events, events);
    await waitForGroupCaughtUp(
      topics.kafka,
      `${topics.prefix}hookline.fanout`,
      topics.topics.events,
    );
    await waitForCollected(topics.kafka, tasks, topics.topics.deliveries);
  };

  beforeAll(async () => {
    startTracing('hookline-fanout-test');
    topics = await createTestTopics(undefined, 5, 3);
    writer = await TopicWriter.connect(topics.kafka);
    const changelog = topics.topics.webhooksChangelog;
    for (const state of [
      exact,
      wildcard,
      everything,
      projectOnly,
      otherProject,
      unverified,
      disabled,
      deleted,
      ...fillers,
    ]) {
      await writer.webhook(changelog, state);
    }
    await writer.tombstone(changelog, deleted.id);
    tasks = await TopicCollector.start(topics.kafka, [topics.topics.deliveries]);

    app = createFanoutService(
      parseConfig({
        KAFKA_BROKERS: topics.brokers.join(','),
        HOOKLINE_TOPIC_PREFIX: topics.prefix,
        HOOKLINE_TOPIC_PARTITIONS: '3',
        HOOKLINE_METRICS_PORT: '0',
        HOOKLINE_LOG_LEVEL: 'error',
        HOOKLINE_KAFKA_SESSION_TIMEOUT: '6s',
      }),
    );
    const starting = app.start();
    // Watch /readyz while the index is built: the first "ready" must come with a complete index.
    await pollUntil(
      async () => {
        if (!app.opsUrl) return false;
        const res = await fetch(`${app.opsUrl}/readyz`);
        if (res.status !== 200) return false;
        indexSizeWhenFirstReady = app.service.index.size;
        return true;
      },
      { intervalMs: 10, timeoutMs: 30_000, message: 'fanout ready' },
    );
    await starting;
  });
  afterAll(async () => {
    await app?.stop();
    await tasks?.stop();
    await writer?.close();
    await topics?.drop();
    await stopTracing();
  });

  it('should answer /readyz only once the index has caught up with the changelog', async () => {
    expect(indexSizeWhenFirstReady).toBe(indexedAtBoot);
    const res = await fetch(`${app.opsUrl}/readyz`);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: {
        changelog_caught_up: true,
        catalog_caught_up: true,
        events_consumer: true,
        operational_consumer: true,
      },
    });
    expect((await fetch(`${app.opsUrl}/healthz`)).status).toBe(200);
  });

  it('should fan an event out to its exact and wildcard subscribers, one valid task each', async () => {
    const event = eventEnvelope({
      project_id: 'prj_a',
      event: 'ignite.deployment.created',
    });
    const before = Date.now();
    await publish(event);
    expect(webhooksOf(event)).toEqual([exact.id, wildcard.id, everything.id].sort());
    for (const task of tasksOf(event)) {
      expect(DeliveryTaskSchema.parse(task)).toEqual(task);
      expect(task).toEqual({
        delivery_id: deliveryId(event.id, task.webhook_id),
        webhook_id: task.webhook_id,
        attempt: 1,
        created_at: expect.any(String),
        event,
      });
    }
    // Born at the time of the event's record (the broker's): one time for every task of it.
    const born = new Set(tasksOf(event).map((t) => t.created_at));
    expect(born.size).toBe(1);
    const at = Date.parse([...born][0]!);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
    const messages = tasks.messages.filter((m) => m.value.includes(event.id));
    expect(messages.map((m) => m.key).sort()).toEqual(webhooksOf(event));
    expect(messages.every((m) => m.headers[KafkaHeaders.eventType] === event.event)).toBe(true);
  });

  it('should keep projects apart', async () => {
    const inB = eventEnvelope({ project_id: 'prj_b', event: 'ignite.deployment.created' });
    const inC = eventEnvelope({ project_id: 'prj_c', event: 'ignite.deployment.created' });
    await publish(inB, inC);
    expect(webhooksOf(inB)).toEqual([otherProject.id]);
    expect(webhooksOf(inC)).toEqual([]);
  });

  it('should route to disabled webhooks (recorded skipped downstream), not to unverified or deleted ones', async () => {
    const event = eventEnvelope({ project_id: 'prj_a', event: 'project.updated' });
    await publish(event);
    // The active subscribers and the disabled one get a task, once each; unverified and deleted none.
    expect(webhooksOf(event)).toEqual([everything.id, projectOnly.id, disabled.id].sort());
  });

  it("should continue the producer's trace: a fan-out span per event, its traceparent on every task", async () => {
    const traceId = randomBytes(16).toString('hex');
    const parentSpan = randomBytes(8).toString('hex');
    const event = eventEnvelope({ project_id: 'prj_a', event: 'ignite.deployment.updated' });
    await writer.events(topics.topics.events, [event], {
      traceparent: `00-${traceId}-${parentSpan}-01`,
    });
    await waitForGroupCaughtUp(
      topics.kafka,
      `${topics.prefix}hookline.fanout`,
      topics.topics.events,
    );
    await waitForCollected(topics.kafka, tasks, topics.topics.deliveries);
    const headers = tasks.messages
      .filter((m) => m.value.includes(event.id))
      .map((m) => m.headers.traceparent);
    expect(headers).toHaveLength(2);
    const [first] = headers;
    expect(first).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(first).not.toContain(parentSpan);
    expect(new Set(headers).size).toBe(1);
  });

  it('should deliver the next event to a webhook created after boot', async () => {
    const late = hook('prj_live', ['project.member.*']);
    await writer.webhook(topics.topics.webhooksChangelog, late);
    await pollUntil(
      () => app.service.index.match('prj_live', 'project.member.created').length === 1,
      { message: 'new webhook indexed' },
    );
    const event = eventEnvelope({ project_id: 'prj_live', event: 'project.member.created' });
    await publish(event);
    expect(webhooksOf(event)).toEqual([late.id]);
  });

  it('should route an event published right after its webhook was written, however far the index lags', async () => {
    const justCreated = hook('prj_ryw', ['project.member.created']);
    // An index that takes its time to apply the create (a backlog, a slow process): the event
    // below is read long before it would have caught up on its own.
    const view = app.service.view;
    const apply = view.apply.bind(view);
    view.apply = async (key, value) => {
      if (key === justCreated.id) await new Promise((r) => setTimeout(r, 1000));
      apply(key, value);
    };
    try {
      // Acknowledged (what the registry's answer to the create stands for), then published at once.
      await writer.webhook(topics.topics.webhooksChangelog, justCreated);
      const event = eventEnvelope({ project_id: 'prj_ryw', event: 'project.member.created' });
      await publish(event);
      expect(webhooksOf(event)).toEqual([justCreated.id]);
    } finally {
      view.apply = apply;
    }
  });

  it('should deliver a type added on the catalog changelog, without a restart', async () => {
    const type = 'deployment.completed';
    const data = { site_id: 'cm1234abcd', site_name: 'my-nextjs-app', duration_seconds: 12.5 };
    // Before, such an event is dead-lettered as unknown_type (event-router.spec.ts).
    expect(app.service.catalog.check(type, data).ok).toBe(false);

    const { key, value } = CatalogChangelog.message({
      name: type,
      description: 'The deployment succeeded.',
      schema: {
        type: 'object',
        properties: { site_id: { type: 'string' } },
        required: ['site_id'],
      },
      example: data,
      version: 1,
      deprecated: false,
      built_in: false,
      updated_at: new Date().toISOString(),
    });
    await writer.raw(topics.topics.catalogChangelog, key, value);
    await pollUntil(() => app.service.catalog.check(type, data).ok, { message: 'type applied' });
    const event = eventEnvelope({ project_id: 'prj_a', event: type, data });
    await publish(event);
    expect(webhooksOf(event)).toEqual([everything.id]);
    expect(tasksOf(event)[0]!.event.data).toEqual(data);
  });

  it('should apply an updated event list, then a deactivation and a delete', async () => {
    const changing = hook('prj_change', ['project.updated']);
    const changelog = topics.topics.webhooksChangelog;
    const view = app.service.view;
    await writer.webhook(changelog, changing);
    await writer.webhook(changelog, {
      ...changing,
      events: ['ignite.deployment.rollout.*'],
      version: 2,
    });
    await pollUntil(() => view.get(changing.id)?.version === 2, { message: 'update applied' });
    const before = eventEnvelope({ project_id: 'prj_change', event: 'project.updated' });
    const rollout = eventEnvelope({
      project_id: 'prj_change',
      event: 'ignite.deployment.rollout.created',
    });
    await publish(before, rollout);
    expect(webhooksOf(before)).toEqual([]);
    expect(webhooksOf(rollout)).toEqual([changing.id]);

    await writer.webhook(changelog, {
      ...changing,
      events: ['ignite.deployment.rollout.*'],
      active: false,
      version: 3,
    });
    await pollUntil(() => view.get(changing.id)?.version === 3, {
      message: 'deactivation applied',
    });
    const whileInactive = eventEnvelope({
      project_id: 'prj_change',
      event: 'ignite.deployment.rollout.updated',
    });
    await publish(whileInactive);
    // Disabled, it still gets the task: the dispatcher records it skipped, to be recovered.
    expect(webhooksOf(whileInactive)).toEqual([changing.id]);

    await writer.webhook(changelog, { ...changing, events: ['*'], active: true, version: 4 });
    await writer.tombstone(changelog, changing.id);
    await pollUntil(() => view.get(changing.id) === undefined, { message: 'delete applied' });
    const afterDelete = eventEnvelope({ project_id: 'prj_change', event: 'project.updated' });
    await publish(afterDelete);
    expect(webhooksOf(afterDelete)).toEqual([]);
  });

  it('should send poison messages to the DLQ with the reason and keep the partition flowing', async () => {
    const dlq = await TopicCollector.start(topics.kafka, [topics.topics.eventsDlq]);
    const producer = topics.kafka.producer();
    await producer.connect();
    try {
      const next = eventEnvelope({ project_id: 'prj_a', event: 'project.updated' });
      const { id: _id, ...withoutId } = eventEnvelope({ project_id: 'prj_a' });
      const [sent] = await producer.send({
        topic: topics.topics.events,
        acks: -1,
        // All on one partition, the valid event last: it must not wait behind the poison.
        messages: [
          {
            partition: 0,
            key: 'prj_a',
            value: '{not json',
            headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
          },
          { partition: 0, key: 'prj_a', value: JSON.stringify(withoutId) },
          {
            partition: 0,
            key: null,
            value: JSON.stringify(eventEnvelope({ project_id: 'prj_a' })),
          },
          { partition: 0, key: 'prj_a', value: JSON.stringify(next) },
        ],
      });
      // everything, projectOnly and the disabled subscriber of project.updated
      await pollUntil(() => tasksOf(next).length === 3, {
        message: 'the event after the poison fanned out',
      });
      const dead = await dlq.waitFor((m) => m.length >= 3);
      expect(dead.map((m) => m.headers[KafkaHeaders.dlqReason])).toEqual([
        expect.stringMatching(/^invalid_json: /),
        expect.stringMatching(/^schema: id: /),
        expect.stringMatching(/^missing_key: /),
      ]);
      const first = Number(sent!.baseOffset);
      dead.forEach((m, i) => {
        expect(m.headers[KafkaHeaders.dlqSourceTopic]).toBe(topics.topics.events);
        expect(m.headers[KafkaHeaders.dlqSourcePartition]).toBe('0');
        expect(m.headers[KafkaHeaders.dlqSourceOffset]).toBe(String(first + i));
      });
      expect(dead[0]!.value).toBe('{not json');
      expect(dead[0]!.headers.traceparent).toBe(`00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`);
    } finally {
      await producer.disconnect();
      await dlq.stop();
    }
  });

  /** Publishes an event with `data.notes` of `notes`, and its dead letter once there. */
  const deadLetterOf = async (notes: string, then?: EventEnvelope) => {
    const dlq = await TopicCollector.start(topics.kafka, [topics.topics.eventsDlq]);
    const base = eventEnvelope({ project_id: 'prj_a', event: 'project.updated' });
    const event = { ...base, data: { ...base.data, notes } };
    try {
      const [sent] = await writer.events(topics.topics.events, [event, ...(then ? [then] : [])]);
      const offset = sent!.baseOffset;
      const found = await dlq.waitFor((m) => m.some((d) => d.value.includes(event.id)));
      expect(tasksOf(event)).toEqual([]);
      return { event, offset, dead: found.find((d) => d.value.includes(event.id))! };
    } finally {
      await dlq.stop();
    }
  };

  it('should dead-letter an event whose delivery tasks are larger than the deliveries topic takes, and keep the partition flowing', async () => {
    // The events topic took it: the tasks that wrap it are a little larger. Refused, they must
    // not be retried forever in front of every later event of the fan-out.
    const limit = await setTopicMaxMessageBytes(topics.kafka, topics.topics.deliveries, 64 * 1024);
    try {
      const next = eventEnvelope({ project_id: 'prj_a', event: 'project.updated' });
      const { event, offset, dead } = await deadLetterOf(
        randomBytes(60_000).toString('base64'),
        next,
      );
      await pollUntil(() => tasksOf(next).length === 3, {
        message: 'the event after the oversized one fanned out',
      });
      expect(dead.headers[KafkaHeaders.dlqReason]).toMatch(/^too_large: /);
      expect(dead.headers[KafkaHeaders.dlqSourceOffset]).toBe(offset);
      expect(dead.value).toBe(JSON.stringify(event));
    } finally {
      await setTopicMaxMessageBytes(topics.kafka, topics.topics.deliveries, limit);
    }
  });

  it("should dead-letter an event near the broker's limit at once: its tasks could not take a retry's error", async () => {
    // The limit read at start (the test broker's 4 MiB): the events topic takes this event, and
    // its tasks would fit the deliveries topic too, by less than a retry adds to them.
    const { dead } = await deadLetterOf('n'.repeat(4 * 1024 * 1024 - 4096 - 300));
    expect(dead.headers[KafkaHeaders.dlqReason]).toMatch(
      /^too_large: its delivery tasks of \d+ bytes leave less than 8192 under the task topics' max.message.bytes \(4194304\)/,
    );
  });

  it('should dead-letter a poison message too large for the DLQ without its value and headers, and keep the partition flowing', async () => {
    // A raw producer's headers count toward a record's size, and a dead letter copies them.
    const limit = await setTopicMaxMessageBytes(topics.kafka, topics.topics.eventsDlq, 64 * 1024);
    const dlq = await TopicCollector.start(topics.kafka, [topics.topics.eventsDlq]);
    try {
      await writer.raw(topics.topics.events, 'prj_a', '{not json', { bulk: 'h'.repeat(80_000) });
      const next = eventEnvelope({ project_id: 'prj_a', event: 'project.updated' });
      await writer.events(topics.topics.events, [next]);
      await pollUntil(() => tasksOf(next).length === 3, {
        message: 'the event after the oversized poison fanned out',
      });
      const reason = (d: { headers: Record<string, string> }) =>
        d.headers[KafkaHeaders.dlqReason] ?? '';
      const oversized = (d: { headers: Record<string, string> }) =>
        /^invalid_json: .*; too_large: /.test(reason(d));
      const dead = (await dlq.waitFor((m) => m.some(oversized))).find(oversized);
      expect(dead!.value).toBe('');
      expect(dead!.headers.bulk).toBeUndefined();
      expect(dead!.headers[KafkaHeaders.dlqSourceTopic]).toBe(topics.topics.events);
    } finally {
      await setTopicMaxMessageBytes(topics.kafka, topics.topics.eventsDlq, limit);
      await dlq.stop();
    }
  });

  it('should expose events consumed, tasks produced, lag, index size and match time on /metrics', async () => {
    const text = await (await fetch(`${app.opsUrl}/metrics`)).text();
    const value = (series: string) =>
      Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(
      value('hookline_fanout_events_consumed_total{outcome="fanned_out",service="fanout"}'),
    ).toBeGreaterThanOrEqual(7);
    expect(
      value('hookline_fanout_events_consumed_total{outcome="dead_lettered",service="fanout"}'),
    ).toBe(6); // four poison messages, two events too large
    expect(value('hookline_fanout_tasks_produced_total{service="fanout"}')).toBe(
      tasks.messages.length,
    );
    expect(value('hookline_fanout_index_webhooks{service="fanout"}')).toBe(app.service.index.size);
    expect(value('hookline_fanout_match_seconds_count{service="fanout"}')).toBeGreaterThan(0);
    expect(text).toMatch(/^hookline_fanout_consumer_lag\{partition="0",service="fanout"\} 0$/m);
    expect(value('hookline_fanout_changelog_caught_up{service="fanout"}')).toBe(1);
  });
});
