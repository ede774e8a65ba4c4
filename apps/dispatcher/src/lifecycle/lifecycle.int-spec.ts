import {
  deliveryId,
  KafkaHeaders,
  newId,
  OperationalEventSchema,
  type DeliveryTask,
} from '@hookline/contracts';
import {
  LoopbackReceiver,
  TopicCollector,
  pollUntil,
  waitForGroupCaughtUp,
} from '@hookline/testing';
import { murmur2 } from '@hookline/kafka';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { LifecycleExecutor } from './lifecycle.executor';

const SCHEDULE = [200, 400, 1200];

describe(`${LifecycleExecutor.name} retries, dead letters and disabling`, () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;
  let tiers: TopicCollector;
  let dlq: TopicCollector;
  let operational: TopicCollector;
  /** Status per event id, in order of the requests for it; 200 once the list is used up. */
  const script = new Map<string, { status: number; headers?: Record<string, string> }[]>();

  const requestsFor = (eventId: string, n: number, timeoutMs = 15_000) =>
    pollUntil(() => receiver.forEvent(eventId).length >= n && receiver.forEvent(eventId), {
      timeoutMs,
      message: `${n} requests for ${eventId}`,
    });
  const webhookRow = async (id: string) =>
    (
      (await h.dataSource.query(
        'select active, disabled_reason, consecutive_failures from webhooks where id = $1',
        [id],
      )) as {
        active: boolean;
        disabled_reason: string | null;
        consecutive_failures: number;
      }[]
    )[0];

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    receiver.answer((req) => {
      const id = (JSON.parse(req.body) as { id: string }).id;
      const next = script.get(id)?.shift();
      return next
        ? { status: next.status, headers: next.headers, body: `status ${next.status}` }
        : { status: 200, body: 'ok' };
    });
    h = await DispatcherHarness.start({ schedule: SCHEDULE.map((ms) => `${ms}ms`).join(',') });
    tiers = await TopicCollector.start(h.topics.kafka, h.topics.topics.retry);
    dlq = await TopicCollector.start(h.topics.kafka, [h.topics.topics.deliveriesDlq]);
    operational = await TopicCollector.start(h.topics.kafka, [h.topics.topics.operational]);
  });
  afterAll(async () => {
    await Promise.all([tiers?.stop(), dlq?.stop(), operational?.stop()]);
    await h?.stop();
    await receiver?.close();
  });

  it('should retry on the tiers in turn, with the same webhook-id, each after its delay ±20 %', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id);
    script.set(task.event.id, [{ status: 500 }, { status: 502 }]);
    const reqs = await requestsFor(task.event.id, 3);
    expect(new Set(reqs.map((r) => r.headers['webhook-id']))).toEqual(new Set([task.delivery_id]));
    expect(reqs[1]!.receivedAt - reqs[0]!.receivedAt).toBeGreaterThanOrEqual(
      SCHEDULE[0]! * 0.8 - 5,
    );
    expect(reqs[2]!.receivedAt - reqs[1]!.receivedAt).toBeGreaterThanOrEqual(
      SCHEDULE[1]! * 0.8 - 5,
    );

    const onTiers = tiers.messages
      .filter((m) => m.key === row.id)
      .map((m) => ({ topic: m.topic, task: JSON.parse(m.value) as DeliveryTask }));
    expect(onTiers.map((m) => [m.topic, m.task.attempt])).toEqual([
      [h.topics.topics.retry[0], 2],
      [h.topics.topics.retry[1], 3],
    ]);
    expect(onTiers[0]!.task.last_error).toBe('HTTP 500');

    const attempts = await h.waitForAttempts(task.delivery_id, 3);
    expect(attempts.map((a) => [a.attempt, a.response_status, a.error_class])).toEqual([
      [1, 500, 'http_status'],
      [2, 502, 'http_status'],
      [3, 200, null],
    ]);
    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'succeeded');
    expect(await h.delivery(task.delivery_id)).toMatchObject({
      attempts: 3,
      next_attempt_at: null,
    });
  });

  it('should honour Retry-After on a 429 by choosing the first tier at least that long', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id);
    script.set(task.event.id, [{ status: 429, headers: { 'retry-after': '1' } }]);
    const reqs = await requestsFor(task.event.id, 2);
    expect(reqs[1]!.receivedAt - reqs[0]!.receivedAt).toBeGreaterThanOrEqual(1000 - 5);
    const retried = tiers.messages.find((m) => m.key === row.id)!;
    expect(retried.topic).toBe(h.topics.topics.retry[2]);
    expect(Number(retried.headers[KafkaHeaders.notBefore])).toBeGreaterThanOrEqual(
      reqs[0]!.receivedAt + 1000 - 50,
    );
  });

  it("should not let one webhook's day-long Retry-After hold another's retry on the same tier partition", async () => {
    const { row: parked } = await h.webhook({ url: receiver.url });
    const partitionOf = (key: string) => (murmur2(key) & 0x7fffffff) % 3;
    let other = await h.webhook({ url: receiver.url });
    while (partitionOf(other.row.id) !== partitionOf(parked.id))
      other = await h.webhook({ url: receiver.url });
    const long = await h.task(parked.id);
    script.set(long.event.id, [{ status: 429, headers: { 'retry-after': '86400' } }]);
    await requestsFor(long.event.id, 1);
    await tiers.waitFor((m) => m.some((x) => x.key === parked.id));
    // Now another webhook's retry lands behind it, on the same partition of the last tier.
    const task = await h.task(other.row.id);
    script.set(task.event.id, [{ status: 503, headers: { 'retry-after': '1' } }]);
    const reqs = await requestsFor(task.event.id, 2, 10_000);
    expect(reqs[1]!.receivedAt - reqs[0]!.receivedAt).toBeLessThan(
      1000 + SCHEDULE[2]! * 1.2 + 1500,
    );
    expect(receiver.forEvent(long.event.id)).toHaveLength(1);
  });

  it('should send a task woken before its time back on its tier as it came, read only once it is due', async () => {
    // A hop is a fetch and a produce: the value is neither decoded nor encoded again until the
    // task falls due. This one is no task at all, so a hop that read it would dead-letter it.
    const key = `wh_unread_${Date.now()}`;
    const value = '{"unread":"until due"}';
    // Far enough ahead for several hops of the last tier (1.44 s each) on a slow machine.
    const due = Date.now() + 8_000;
    const last = h.topics.topics.retry[SCHEDULE.length - 1]!;
    await h.producer.send({
      topic: last,
      acks: -1,
      messages: [
        {
          key,
          value,
          headers: {
            [KafkaHeaders.notBefore]: String(Date.now()),
            [KafkaHeaders.due]: String(due),
            [KafkaHeaders.eventType]: 'order.created',
          },
        },
      ],
    });
    const hops = await tiers.waitFor((m) => m.filter((x) => x.key === key).length >= 3, {
      message: 'two hops of the unread task',
    });
    for (const hop of hops.filter((x) => x.key === key).slice(1)) {
      expect(hop.topic).toBe(last);
      expect(hop.value).toBe(value);
      expect(hop.headers[KafkaHeaders.due]).toBe(String(due));
      expect(hop.headers[KafkaHeaders.eventType]).toBe('order.created');
      expect(Number(hop.headers[KafkaHeaders.notBefore])).toBeLessThanOrEqual(due);
    }
    expect(dlq.byKey(key)).toHaveLength(0);
    // Once due it is read, and what is no task is dead-lettered as it came.
    await dlq.waitFor((m) => m.some((x) => x.key === key), {
      timeoutMs: 15_000,
      message: 'the unread task dead-lettered once due',
    });
    expect(dlq.byKey(key)[0]).toMatchObject({ value });
    expect(Date.now()).toBeGreaterThanOrEqual(due - 1_000);
  });

  it('should end a task due later than any delivery may wait, not hop it until then', async () => {
    // Nothing in Hookline sets such a due time; a write to a tier from elsewhere can, and the task
    // would otherwise hop on its tier for centuries, its delivery pending.
    const { row } = await h.webhook({ url: receiver.url });
    const first = await h.task(row.id);
    await requestsFor(first.event.id, 1);
    const event = { ...first.event, id: newId('event') };
    const far = deliveryId(event.id, row.id);
    const due = Date.UTC(2999, 0, 1);
    const last = h.topics.topics.retry[SCHEDULE.length - 1]!;
    await h.producer.send({
      topic: last,
      acks: -1,
      messages: [
        {
          key: row.id,
          value: JSON.stringify({
            delivery_id: far,
            webhook_id: row.id,
            attempt: 2,
            not_before: new Date(due).toISOString(),
            event,
          }),
          headers: {
            [KafkaHeaders.notBefore]: String(Date.now()),
            [KafkaHeaders.due]: String(due),
          },
        },
      ],
    });
    const [dead] = await dlq
      .waitFor((m) => m.some((x) => x.value.includes(far)))
      .then((m) => m.filter((x) => x.value.includes(far)));
    expect(dead!.headers[KafkaHeaders.dlqReason]).toBe('due_too_late');
    expect(dead!.headers[KafkaHeaders.lastError]).toContain('due at 2999-01-01T00:00:00.000Z');
    expect(dead!.headers[KafkaHeaders.dlqSourceTopic]).toBe(last);
    const ops = await operational.waitFor((m) => m.some((x) => x.value.includes(far)));
    // Read for its second attempt, it announces the one attempt made before it, not its own.
    expect(
      OperationalEventSchema.parse(JSON.parse(ops.find((x) => x.value.includes(far))!.value)),
    ).toMatchObject({ event: 'delivery.dead', data: { delivery_id: far, attempts: 1 } });
    // Read once, never sent back on its tier, never attempted.
    expect(tiers.byKey(row.id).filter((x) => x.value.includes(far))).toHaveLength(1);
    expect(receiver.forEvent(event.id)).toHaveLength(0);
  });

  it('should leave a failed delivery without an attempt for a first attempt due too late', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const event = { ...(await h.task(row.id)).event, id: newId('event') };
    const first = deliveryId(event.id, row.id);
    const due = Date.UTC(2999, 0, 1);
    await h.producer.send({
      topic: h.topics.topics.retry[0]!,
      acks: -1,
      messages: [
        {
          key: row.id,
          value: JSON.stringify({
            delivery_id: first,
            webhook_id: row.id,
            attempt: 1,
            not_before: new Date(due).toISOString(),
            event,
          }),
        },
      ],
    });
    await pollUntil(async () => (await h.delivery(first))?.status === 'failed', {
      message: 'the first attempt due too late logged failed',
    });
    expect(await h.delivery(first)).toMatchObject({ attempts: 0, next_attempt_at: null });
    expect((await h.delivery(first))!.last_error).toContain('due at 2999-01-01T00:00:00.000Z');
    expect(await h.attempts(first)).toEqual([]);
    expect(receiver.forEvent(event.id)).toHaveLength(0);
    const ops = await operational.waitFor((m) => m.some((x) => x.value.includes(first)));
    expect(
      OperationalEventSchema.parse(JSON.parse(ops.find((x) => x.value.includes(first))!.value)),
    ).toMatchObject({ event: 'delivery.dead', data: { delivery_id: first, attempts: 0 } });
  });

  it('should dead-letter after the last tier: DLQ with the last error, delivery failed, webhook disabled, delivery.dead', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id);
    script.set(
      task.event.id,
      Array.from({ length: 10 }, () => ({ status: 500 })),
    );
    await requestsFor(task.event.id, SCHEDULE.length + 1, 20_000);
    const [dead] = await dlq
      .waitFor((m) => m.some((x) => x.key === row.id))
      .then((m) => m.filter((x) => x.key === row.id));
    expect(dead!.headers[KafkaHeaders.lastError]).toBe('HTTP 500');
    expect(dead!.headers[KafkaHeaders.dlqSourceTopic]).toBe(
      h.topics.topics.retry[SCHEDULE.length - 1],
    );
    expect(JSON.parse(dead!.value)).toMatchObject({
      delivery_id: task.delivery_id,
      attempt: SCHEDULE.length + 1,
      last_error: 'HTTP 500',
    });

    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'failed', {
      message: 'delivery failed',
    });
    expect(await h.delivery(task.delivery_id)).toMatchObject({
      attempts: SCHEDULE.length + 1,
      last_error: 'HTTP 500',
      next_attempt_at: null,
    });
    await pollUntil(async () => (await webhookRow(row.id))?.active === false, {
      message: 'webhook disabled',
    });
    expect(await webhookRow(row.id)).toMatchObject({
      disabled_reason: '1 consecutive failed delivery',
    });
    const events: { type: string; actor: string }[] = await h.dataSource.query(
      `select type, actor from webhook_events where aggregate_id = $1 order by version`,
      [row.id],
    );
    expect(events.at(-1)).toEqual({ type: 'webhook.disabled', actor: 'system:dispatcher' });

    const ops = await operational.waitFor((m) => m.some((x) => x.value.includes(task.delivery_id)));
    const deadEvent = OperationalEventSchema.parse(
      JSON.parse(ops.find((x) => x.value.includes(task.delivery_id))!.value),
    );
    expect(deadEvent).toMatchObject({
      event: 'delivery.dead',
      project_id: row.projectId,
      data: {
        webhook_id: row.id,
        delivery_id: task.delivery_id,
        event_id: task.event.id,
        attempts: SCHEDULE.length + 1,
        last_error: 'HTTP 500',
      },
    });
  });

  it('should disable the webhook at once on 410 Gone, without a retry', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id);
    script.set(task.event.id, [{ status: 410 }]);
    await requestsFor(task.event.id, 1);
    await pollUntil(async () => (await webhookRow(row.id))?.active === false, {
      message: 'webhook disabled',
    });
    expect(await webhookRow(row.id)).toMatchObject({
      disabled_reason: 'the endpoint answered 410 Gone',
    });
    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'failed');
    await waitForGroupCaughtUp(
      h.topics.kafka,
      `${h.topics.prefix}hookline.dispatcher`,
      h.topics.topics.deliveries,
    );
    expect(tiers.messages.filter((m) => m.key === row.id)).toHaveLength(0);
    expect(receiver.forEvent(task.event.id)).toHaveLength(1);
  });

  it('should reset the consecutive failure count on a success', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    await h.dataSource.query('update webhooks set consecutive_failures = 3 where id = $1', [
      row.id,
    ]);
    const task = await h.task(row.id);
    await h.waitForAttempts(task.delivery_id, 1);
    await pollUntil(async () => (await webhookRow(row.id))?.consecutive_failures === 0, {
      message: 'count reset',
    });
  });

  it('should start no attempt once DELETE has committed, even before the changelog says so', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const first = await h.task(row.id);
    script.set(first.event.id, [{ status: 500 }, { status: 500 }]);
    await requestsFor(first.event.id, 1);
    // The registry's DELETE commits; its changelog record has not reached the dispatcher yet.
    await h.store.delete(row.id, undefined, 'key_test');
    const second = await h.task(row.id);
    await waitForGroupCaughtUp(
      h.topics.kafka,
      `${h.topics.prefix}hookline.dispatcher`,
      h.topics.topics.deliveries,
    );
    await pollUntil(async () => (await h.delivery(first.delivery_id))?.status === 'failed', {
      message: 'pending delivery closed',
    });
    expect(receiver.forEvent(second.event.id)).toHaveLength(0);
    expect(receiver.forEvent(first.event.id)).toHaveLength(1);
    expect(await h.delivery(first.delivery_id)).toMatchObject({
      last_error: 'not attempted: webhook deleted',
    });
    expect(h.dispatcher!.view.get(row.id)).toBeDefined();
  });

  it('should record tasks of a disabled webhook as skipped, unsent, and attempt a manual redelivery once, never retrying it', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const manual = await h.task(row.id, { manual: true, attempt: 5 });
    script.set(manual.event.id, [{ status: 500 }]);
    const [attempt] = await h.waitForAttempts(manual.delivery_id, 1);
    expect(attempt).toMatchObject({ attempt: 5, trigger: 'redeliver', response_status: 500 });
    await pollUntil(async () => (await h.delivery(manual.delivery_id))?.status === 'failed');

    await h.store.update(row.id, undefined, { active: false }, 'key_test');
    const dropped = await h.task(row.id);
    await waitForGroupCaughtUp(
      h.topics.kafka,
      `${h.topics.prefix}hookline.dispatcher`,
      h.topics.topics.deliveries,
    );
    expect(receiver.forEvent(dropped.event.id)).toHaveLength(0);
    expect(tiers.messages.filter((m) => m.key === row.id)).toHaveLength(0);
    // Recorded, to be recovered: a delivery with no attempt, counted nowhere in the stats.
    const skipped = await pollUntil(async () => {
      const d = await h.delivery(dropped.delivery_id);
      return d?.status === 'skipped' && d;
    });
    expect(skipped).toMatchObject({ attempts: 0, last_error: 'not attempted: webhook disabled' });
    expect(
      await h.dataSource.query('select 1 from delivery_attempts where delivery_id = $1', [
        dropped.delivery_id,
      ]),
    ).toHaveLength(0);
    const [stats] = (await h.dataSource.query(
      'select coalesce(sum(succeeded + failed + retried), 0)::int as n from delivery_stats_minute where webhook_id = $1',
      [row.id],
    )) as { n: number }[];
    expect(stats!.n).toBe(1); // the manual attempt alone
  });
});
