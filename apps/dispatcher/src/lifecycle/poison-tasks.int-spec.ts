import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  KafkaHeaders,
  OperationalEventSchema,
  deliveryId,
  newId,
  type DeliveryTask,
} from '@hookline/contracts';
import { SecretBox } from '@hookline/persistence';
import {
  LoopbackReceiver,
  TopicCollector,
  eventEnvelope,
  pollUntil,
  setTopicMaxMessageBytes,
} from '@hookline/testing';
import { AnsweringEndpoint } from '../testing/answering-endpoint';
import { DispatcherHarness } from '../testing/dispatcher-harness';

describe('dispatcher: tasks that can never be delivered', () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;
  let dlq: TopicCollector;
  let ops: TopicCollector;

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    h = await DispatcherHarness.start();
    dlq = await TopicCollector.start(h.topics.kafka, [h.topics.topics.deliveriesDlq]);
    ops = await TopicCollector.start(h.topics.kafka, [h.topics.topics.operational]);
  });
  /** Waits until `after`, the next task on `task`'s partition, is delivered and `task` has failed. */
  async function failedBesideTheNext(task: DeliveryTask, after: DeliveryTask) {
    await pollUntil(() => receiver.forEvent(after.event.id).length === 1, {
      message: 'the next task on the partition delivered',
    });
    return pollUntil(
      async () => {
        const d = await h.delivery(task.delivery_id);
        return d?.status === 'failed' && d;
      },
      { message: 'the delivery failed' },
    );
  }

  /**
   * Waits for the `delivery.dead` of this delivery on hookline.operational, which counts the
   * attempts made.
   */
  async function announcedDead(deliveryId: string, attempts: number) {
    const dead = (m: { value: string }) =>
      m.value.includes('delivery.dead') && m.value.includes(deliveryId);
    const announced = (await ops.waitFor((m) => m.some(dead))).find(dead)!;
    expect(OperationalEventSchema.parse(JSON.parse(announced.value)).data).toMatchObject({
      delivery_id: deliveryId,
      attempts,
    });
  }

  afterAll(async () => {
    await dlq?.stop();
    await ops?.stop();
    await h?.stop();
    await receiver?.close();
  });

  it('should dead-letter a malformed task with the reason and deliver the next one on its partition', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    await h.producer.send({
      topic: h.topics.topics.deliveries,
      acks: -1,
      messages: [{ key: row.id, value: '{"delivery_id": 42', partition: 0 }],
    });
    const next = await h.task(row.id, { partition: 0 });
    await pollUntil(() => receiver.forEvent(next.event.id).length === 1, {
      message: 'the task after the malformed one delivered',
    });
    const [dead] = await dlq.waitFor((m) => m.some((x) => x.value === '{"delivery_id": 42'));
    const letter = dlq.messages.find((x) => x.value === '{"delivery_id": 42')!;
    expect(dead).toBeDefined();
    expect(letter.key).toBe(row.id);
    expect(letter.headers[KafkaHeaders.dlqReason]).toBe('invalid_task');
    expect(letter.headers[KafkaHeaders.dlqSourceTopic]).toBe(h.topics.topics.deliveries);
    expect(letter.headers[KafkaHeaders.lastError]).toMatch(/JSON|json/);
  });

  it('should fail and dead-letter, not retry forever, a task whose secret no longer opens', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    // Sealed under a key this dispatcher does not hold (an encryption-key change gone wrong).
    const stranger = new SecretBox(randomBytes(32));
    await h.dataSource.query(
      'update webhooks set secrets = $2, version = version + 1 where id = $1',
      [
        row.id,
        JSON.stringify([{ ciphertext: stranger.encrypt(row.id, 'whsec_x'), expires_at: null }]),
      ],
    );
    await h.publish(row.id);
    const { row: good } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id, { partition: 1 });
    const after = await h.task(good.id, { partition: 1 });
    const delivery = await failedBesideTheNext(task, after);
    expect(delivery.last_error).toMatch(/secret/);
    const [attempt] = await h.attempts(task.delivery_id);
    expect(attempt).toMatchObject({ error_class: 'secret_unreadable', response_status: null });
    const letters = await dlq.waitFor((m) => m.some((x) => x.key === row.id));
    const letter = letters.find((x) => x.key === row.id)!;
    expect(letter.headers[KafkaHeaders.dlqReason]).toBe('permanent_error');
    expect(receiver.forEvent(task.event.id)).toHaveLength(0);
  });

  // A task fits the topic it came from; its retry carries a little more (its due time and last
  // error). When a retry tier takes less (its max.message.bytes set lower, or lowered while the
  // services run), the broker refuses the retry as too large, every time: the dispatcher repeated
  // the attempt and the refused send forever, POSTing the same delivery again and again, and never
  // committed past it.
  it('should end, not repeat forever, a delivery whose retry its tier refuses as too large', async () => {
    const failing = await AnsweringEndpoint.start();
    try {
      for (const tier of h.topics.topics.retry)
        await setTopicMaxMessageBytes(h.topics.kafka, tier, 16 * 1024);
      const { row } = await h.webhook({ url: `${failing.base}/error` });
      const { row: good } = await h.webhook({ url: receiver.url });
      // Incompressible, so that the retry stays over the tier's limit after LZ4.
      const data = { blob: randomBytes(24 * 1024).toString('base64') };
      const task = await h.task(row.id, { partition: 0, event: { data } });
      const after = await h.task(good.id, { partition: 0 });
      const delivery = await failedBesideTheNext(task, after);
      expect(delivery.last_error).toMatch(/too_large.*max\.message\.bytes/);
      const letters = await dlq.waitFor((m) => m.some((x) => x.key === row.id));
      const letter = letters.find((x) => x.key === row.id)!;
      expect(letter.headers[KafkaHeaders.dlqReason]).toBe('too_large');
      // The task as it came, event and all: it can be replayed once the tier takes it.
      expect(JSON.parse(letter.value)).toMatchObject({
        delivery_id: task.delivery_id,
        event: { data },
      });
      await sleep(1500);
      const posts = failing.received.filter((r) => r.body.includes(task.event.id));
      expect(posts).toHaveLength(1);
      await announcedDead(task.delivery_id, 1);
    } finally {
      await failing.close();
    }
  }, 60_000);

  it('should dead-letter as it came, not hold forever, a task whose hold its tier refuses as too large', async () => {
    for (const tier of h.topics.topics.retry)
      await setTopicMaxMessageBytes(h.topics.kafka, tier, 16 * 1024);
    // One delivery a second: the task right after the first is held on a tier until its slot.
    const { row } = await h.webhook({ url: receiver.url, throttlePerSecond: 1 });
    const first = await h.task(row.id, { partition: 2 });
    const data = { blob: randomBytes(24 * 1024).toString('base64') };
    const held = await h.task(row.id, { partition: 2, event: { data } });
    await pollUntil(() => receiver.forEvent(first.event.id).length === 1, {
      message: 'the first task delivered',
    });
    const letters = await dlq.waitFor((m) =>
      m.some(
        (x) =>
          x.headers[KafkaHeaders.dlqReason] === 'too_large' && x.value.includes(held.delivery_id),
      ),
    );
    const letter = letters.find((x) => x.value.includes(held.delivery_id))!;
    expect(letter.key).toBe(row.id);
    expect(letter.headers[KafkaHeaders.lastError]).toMatch(/too_large.*max\.message\.bytes/);
    expect(JSON.parse(letter.value)).toMatchObject({
      delivery_id: held.delivery_id,
      event: { data },
    });
    // Held before its first attempt: none was made.
    await announcedDead(held.delivery_id, 0);
    await sleep(1500);
    expect(receiver.forEvent(held.event.id)).toHaveLength(0);
  }, 60_000);

  /** A task as anyone who writes the topic could write it: these fields over a first attempt's. */
  function rawTask(webhookId: string, projectId: string, fields = {}, eventFields = {}) {
    const event = eventEnvelope({ project_id: projectId, id: newId('event'), ...eventFields });
    return {
      delivery_id: deliveryId(event.id, webhookId),
      webhook_id: webhookId,
      attempt: 1,
      ...fields,
      event,
    };
  }

  /** A task of its own project beside two others fetched with it; answers the three. */
  async function besideOthers(taskFields: object, eventFields = {}) {
    const hostile = await h.webhook({ url: receiver.url, projectId: 'prj_hostile_time' });
    const { row } = await h.webhook({ url: receiver.url });
    const task = rawTask(hostile.row.id, 'prj_hostile_time', taskFields, eventFields);
    const others = [1, 2].map(() => rawTask(row.id, 'prj_dispatch_test'));
    // One produce: the three arrive in one fetch, and their look-ups share a query.
    await h.producer.send({
      topic: h.topics.topics.deliveries,
      acks: -1,
      messages: [task, ...others].map((t) => ({
        key: t.webhook_id,
        value: JSON.stringify(t),
        partition: 1,
      })),
    });
    for (const t of others)
      await pollUntil(() => receiver.forEvent(t.event.id).length === 1, {
        timeoutMs: 10_000,
        message: 'the tasks fetched with the hostile one delivered',
      });
    return task;
  }

  // ISO 8601 and JavaScript take the year 0 (or 10000, once an offset is applied); Postgres's
  // timestamptz refuses them. A task's birth time goes into the look-up that each task's
  // delivery shares with other tenants' before its attempt, and into the log's rows.
  it.each([
    ['the year 0', '0000-01-01T00:00:00Z'],
    ['an offset that moves it into the year 10000', '9999-12-31T23:59:59-05:00'],
  ])(
    'should dead-letter a task whose birth time Postgres cannot store (%s) and deliver the tasks fetched with it',
    async (_, createdAt) => {
      const task = await besideOthers({ created_at: createdAt });
      await dlq.waitFor((m) => m.some((x) => x.value.includes(task.delivery_id)));
      const letter = dlq.messages.find((x) => x.value.includes(task.delivery_id))!;
      expect(letter.headers[KafkaHeaders.dlqReason]).toBe('invalid_task');
      expect(letter.headers[KafkaHeaders.lastError]).toMatch(/created_at/);
      expect(receiver.forEvent(task.event.id)).toHaveLength(0);
    },
    30_000,
  );

  // A task's ids go into look-ups batched with other tenants' tasks (its delivery, its webhook)
  // and into the log's rows; Postgres refuses NUL in text and an index entry over ~2.7 KB.
  it.each([
    ['a NUL in its delivery id', { delivery_id: 'msg_\u0000x' }],
    ['a lone surrogate in its delivery id', { delivery_id: 'msg_\ud800x' }],
    ['a NUL in its webhook id', { webhook_id: 'wh_\u0000x' }],
    ['a delivery id of 10 KB', { delivery_id: `msg_${'x'.repeat(10_000)}` }],
  ])(
    'should dead-letter a task with %s and deliver the tasks fetched with it',
    async (_, fields) => {
      const task = await besideOthers(fields);
      await dlq.waitFor((m) => m.some((x) => x.value.includes(task.event.id)));
      const letter = dlq.messages.find((x) => x.value.includes(task.event.id))!;
      expect(letter.headers[KafkaHeaders.dlqReason]).toBe('invalid_task');
      expect(receiver.forEvent(task.event.id)).toHaveLength(0);
    },
    30_000,
  );

  // The log keeps an attempt's number as a Postgres integer: a task asking for attempt 2^31 was
  // POSTed, and its attempt's row refused, so the endpoint received a delivery the log never shows
  // (and the batch its row came in was written again in halves).
  it('should dead-letter a task whose attempt number the log cannot keep and deliver the tasks fetched with it', async () => {
    const task = await besideOthers({ attempt: 2 ** 31 });
    await dlq.waitFor((m) => m.some((x) => x.value.includes(task.delivery_id)));
    const letter = dlq.messages.find((x) => x.value.includes(task.delivery_id))!;
    expect(letter.headers[KafkaHeaders.dlqReason]).toBe('invalid_task');
    expect(letter.headers[KafkaHeaders.lastError]).toMatch(/attempt/);
    expect(receiver.forEvent(task.event.id)).toHaveLength(0);
  }, 30_000);

  it('should deliver a task whose last error holds a NUL, and the tasks fetched with it', async () => {
    // The error of an earlier attempt is only shown; the log writes its own.
    const task = await besideOthers({ attempt: 2, last_error: 'boom\u0000\ud800' });
    await pollUntil(() => receiver.forEvent(task.event.id).length === 1, {
      message: 'the task with the hostile last error delivered',
    });
  }, 30_000);

  it('should deliver a task whose event time Postgres cannot store, and the tasks fetched with it', async () => {
    // The event's time is the producer's, sent on as it came; the log records it as the attempt's.
    const task = await besideOthers({}, { occurred_at: '0000-01-01T00:00:00Z' });
    await pollUntil(() => receiver.forEvent(task.event.id).length === 1, {
      message: 'the task with the hostile event time delivered',
    });
    expect(JSON.parse(receiver.forEvent(task.event.id)[0]!.body)).toMatchObject({
      occurred_at: '0000-01-01T00:00:00Z',
    });
  }, 30_000);

  // A tier's partition is paused until its first task falls due, by the `hookline-not-before`
  // header (read without parsing the task). The dispatcher writes it at most a hop of the tier
  // ahead; a message that says days or centuries would stop the partition for every task after it.
  it.each([
    ['ten days ahead', () => String(Date.now() + 10 * 86_400_000)],
    ['beyond what a timer takes', () => '99999999999999999999'],
  ])(
    'should not let a task on a retry tier whose wake-up time is %s hold the tasks after it',
    async (_, wakeAt) => {
      const hostile = await h.webhook({ url: receiver.url, projectId: 'prj_hostile_time' });
      const { row } = await h.webhook({ url: receiver.url });
      const held = rawTask(hostile.row.id, 'prj_hostile_time', { attempt: 2 });
      const next = rawTask(row.id, 'prj_dispatch_test', { attempt: 2 });
      await h.producer.send({
        topic: h.topics.topics.retry[0]!,
        acks: -1,
        messages: [
          {
            key: held.webhook_id,
            value: JSON.stringify(held),
            partition: 0,
            headers: { [KafkaHeaders.notBefore]: wakeAt() },
          },
          {
            key: next.webhook_id,
            value: JSON.stringify(next),
            partition: 0,
            headers: { [KafkaHeaders.notBefore]: String(Date.now()) },
          },
        ],
      });
      // The tier's delay is 200 ms: a few of them, not days.
      await pollUntil(() => receiver.forEvent(next.event.id).length === 1, {
        timeoutMs: 5_000,
        message: 'the task after the far one delivered',
      });
      // The task's own time is now: once its wait is bounded, it is attempted.
      await pollUntil(() => receiver.forEvent(held.event.id).length === 1, {
        timeoutMs: 5_000,
        message: 'the far one attempted when its own time came',
      });
    },
    30_000,
  );

  it('should not POST again a task whose delivery already ended (a replay after a fan-out crash)', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id, { partition: 2 });
    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'succeeded', {
      message: 'the first delivery logged',
    });
    // The very same task again, as the fan-out republishes it after a crash, then a marker.
    await h.producer.send({
      topic: h.topics.topics.deliveries,
      acks: -1,
      messages: [{ key: row.id, value: JSON.stringify(task), partition: 2 }],
    });
    const marker = await h.task(row.id, { partition: 2 });
    await pollUntil(() => receiver.forEvent(marker.event.id).length === 1, {
      message: 'the marker delivered',
    });
    expect(receiver.forEvent(task.event.id)).toHaveLength(1);
    expect(await h.delivery(task.delivery_id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
