import { randomBytes } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { settledTopicOffsets } from '@hookline/kafka';
import { KafkaHeaders, deliveryId, newId, type DeliveryTask } from '@hookline/contracts';
import {
  LoopbackReceiver,
  TopicCollector,
  createTestTopics,
  eventEnvelope,
  pollUntil,
  waitForCollected,
  type CollectedMessage,
  type TestTopics,
} from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import type { DlqEntry } from './dlq-entry';
import { DlqReplayer } from './dlq-replayer';

/** Bounds every scan: a replay that does not finish fails the test instead of hanging it. */
const SCAN_TIMEOUT_MS = 30_000;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute));
const traceparent = () =>
  `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

describe(`${DlqReplayer.name} on the real broker`, () => {
  let t: TestTopics;
  let producer: Producer;
  let deliveries: TopicCollector;
  let replayer: DlqReplayer;
  let taken = 0;
  const groupPrefix = () => `${t.prefix}hookline.dlq-replay`;
  const A = newId('webhook');
  const B = newId('webhook');
  /** The dead letters written, by name. */
  const dead: Record<string, { task: DeliveryTask; traceparent: string }> = {};

  async function deadLetter(
    name: string,
    webhookId: string,
    failedAt: Date | undefined,
    timestamp = Date.now(),
  ): Promise<void> {
    const event = eventEnvelope({ project_id: 'prj_dlq_replay' });
    const task: DeliveryTask = {
      delivery_id: deliveryId(event.id, webhookId),
      webhook_id: webhookId,
      attempt: 4,
      not_before: new Date(timestamp - 60_000).toISOString(),
      last_error: 'HTTP 503',
      event,
    };
    dead[name] = { task, traceparent: traceparent() };
    await writeDead(task, failedAt, timestamp, dead[name]!.traceparent);
  }

  async function writeDead(
    task: DeliveryTask,
    failedAt: Date | undefined,
    timestamp: number,
    trace: string,
  ): Promise<void> {
    const headers: Record<string, string> = {
      [KafkaHeaders.traceparent]: trace,
      [KafkaHeaders.lastError]: 'HTTP 503',
      [KafkaHeaders.dlqReason]: 'retries_exhausted',
      [KafkaHeaders.dlqSourceTopic]: t.topics.retry.at(-1)!,
      [KafkaHeaders.eventType]: task.event.event,
      ...(failedAt ? { [KafkaHeaders.dlqFailedAt]: failedAt.toISOString() } : {}),
    };
    await producer.send({
      topic: t.topics.deliveriesDlq,
      acks: -1,
      messages: [
        {
          key: task.webhook_id,
          value: JSON.stringify(task),
          headers,
          timestamp: String(timestamp),
        },
      ],
    });
  }

  /** Dead letters on the topic now (it starts empty, so the sum of its end offsets). */
  async function dlqEnd(): Promise<number> {
    const admin = t.kafka.admin();
    await admin.connect();
    try {
      return (await settledTopicOffsets(admin, t.topics.deliveriesDlq)).reduce(
        (sum, p) => sum + Number(p.high),
        0,
      );
    } finally {
      await admin.disconnect();
    }
  }

  /** What reached hookline.deliveries since the last call (all of it, up to the topic's end). */
  async function published(): Promise<CollectedMessage[]> {
    await waitForCollected(t.kafka, deliveries, t.topics.deliveries);
    const fresh = deliveries.messages.slice(taken);
    taken = deliveries.messages.length;
    return fresh;
  }

  function expectReplayOf(messages: CollectedMessage[], names: string[]): void {
    const byDelivery = new Map(
      messages.map((m) => [(JSON.parse(m.value) as DeliveryTask).delivery_id, m]),
    );
    expect(messages).toHaveLength(names.length);
    for (const name of names) {
      const { task, traceparent } = dead[name]!;
      const m = byDelivery.get(task.delivery_id);
      expect(m).toBeDefined();
      expect(m!.key).toBe(task.webhook_id);
      expect(JSON.parse(m!.value)).toEqual({
        delivery_id: task.delivery_id,
        webhook_id: task.webhook_id,
        attempt: 1,
        chain: expect.any(Number),
        event: task.event,
      });
      expect(m!.headers).toEqual({
        [KafkaHeaders.traceparent]: traceparent,
        [KafkaHeaders.eventType]: task.event.event,
      });
    }
  }

  beforeAll(async () => {
    t = await createTestTopics(undefined, 3, 3);
    producer = t.kafka.producer({ idempotent: true });
    await producer.connect();
    await deadLetter('a0', A, at(0));
    await deadLetter('b10', B, at(10));
    await deadLetter('a20', A, at(20));
    await deadLetter('b30', B, at(30));
    // No failed-at header: the broker timestamp stands in for it.
    await deadLetter('a25', A, undefined, at(25).getTime());
    await producer.send({
      topic: t.topics.deliveriesDlq,
      acks: -1,
      messages: [{ key: A, value: '{"not":"a task"}' }],
    });
    deliveries = await TopicCollector.start(t.kafka, [t.topics.deliveries]);
    replayer = new DlqReplayer({ kafka: t.kafka, topics: t.topics, groupPrefix: groupPrefix() });
  });

  afterAll(async () => {
    await deliveries?.stop();
    await producer?.disconnect().catch(() => undefined);
    await t?.drop();
  });

  it('should list and count in a dry run and publish nothing', async () => {
    const listed: DlqEntry[] = [];
    const result = await replayer.replay({
      dryRun: true,
      onSelected: (e) => listed.push(e),
      timeoutMs: SCAN_TIMEOUT_MS,
    });
    expect(result).toMatchObject({
      scanned: 6,
      selected: 5,
      replayed: 0,
      invalid: 1,
      duplicates: 0,
      interrupted: false,
    });
    expect(new Set(listed.map((e) => e.task.delivery_id))).toEqual(
      new Set(Object.values(dead).map((d) => d.task.delivery_id)),
    );
    expect(listed.find((e) => e.task.delivery_id === dead.a25!.task.delivery_id)!.failedAt).toEqual(
      at(25),
    );
    expect(await published()).toEqual([]);
  });

  it('should replay one webhook as fresh chains: attempt 1, same delivery id, trace and event type kept', async () => {
    const result = await replayer.replay({ webhookIds: [A], timeoutMs: SCAN_TIMEOUT_MS });
    expect(result).toMatchObject({ scanned: 6, selected: 3, replayed: 3 });
    expectReplayOf(await published(), ['a0', 'a20', 'a25']);
  });

  it('should replay a time range on the failed-at time, since included and until excluded', async () => {
    const result = await replayer.replay({
      since: at(10),
      until: at(30),
      timeoutMs: SCAN_TIMEOUT_MS,
    });
    expect(result).toMatchObject({ selected: 3, replayed: 3 });
    expectReplayOf(await published(), ['b10', 'a20', 'a25']);
  });

  it('should replay everything, each delivery once even when it died again after a replay', async () => {
    await writeDead({ ...dead.b10!.task, attempt: 4 }, at(40), Date.now(), dead.b10!.traceparent);
    const result = await replayer.replay({ timeoutMs: SCAN_TIMEOUT_MS });
    expect(result).toMatchObject({
      scanned: 7,
      selected: 5,
      replayed: 5,
      invalid: 1,
      duplicates: 1,
      interrupted: false,
    });
    expectReplayOf(await published(), ['a0', 'b10', 'a20', 'a25', 'b30']);
  });

  it('should stop at the end offsets seen at its start while dead letters keep arriving', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await writeDead(dead.b30!.task, at(50), Date.now(), dead.b30!.traceparent);
        written++;
      }
    })();
    await pollUntil(() => written >= 3, { message: 'the writer running' });
    const before = await dlqEnd();
    const listed: DlqEntry[] = [];
    const result = await replayer
      .replay({ dryRun: true, onSelected: (e) => listed.push(e), timeoutMs: SCAN_TIMEOUT_MS })
      .finally(() => (writing = false));
    await writer;
    const ends = new Map(result.endOffsets.map((e) => [e.partition, Number(e.offset)]));
    const scannedUpTo = [...ends.values()].reduce((a, b) => a + b, 0);
    expect(scannedUpTo).toBeGreaterThanOrEqual(before);
    // Exactly the dead letters before the ends seen at the start, though more kept arriving.
    expect(result.scanned).toBe(scannedUpTo);
    expect(listed.every((e) => Number(e.offset) < ends.get(e.partition)!)).toBe(true);
    expect(await dlqEnd()).toBeGreaterThan(scannedUpTo);
  });

  it('should stop early, and say so, when its signal aborts', async () => {
    const abort = new AbortController();
    const result = await replayer.replay({
      dryRun: true,
      signal: abort.signal,
      onSelected: () => abort.abort(),
      timeoutMs: SCAN_TIMEOUT_MS,
    });
    expect(result.interrupted).toBe(true);
    expect(result.selected).toBeGreaterThanOrEqual(1);
  });

  it('should leave no consumer group behind', async () => {
    const admin = t.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      expect(groups.filter((g) => g.groupId.startsWith(groupPrefix()))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });
});

describe(`${DlqReplayer.name} with the dispatcher`, () => {
  const SCHEDULE = ['100ms', '100ms'];
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;
  /** Statuses the receiver answers in turn; 200 once used up. */
  const statuses: number[] = [];

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    receiver.answer(() => ({ status: statuses.shift() ?? 200, body: 'scripted' }));
    h = await DispatcherHarness.start({ schedule: SCHEDULE.join(',') });
  });

  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
  });

  it('should walk the whole retry schedule again and continue the delivery log', async () => {
    const dlq = await TopicCollector.start(h.topics.kafka, [h.topics.topics.deliveriesDlq]);
    const { row } = await h.webhook({ url: receiver.url });
    statuses.push(500, 500, 500);
    const task = await h.task(row.id);
    try {
      await dlq.waitFor((m) => m.some((x) => x.key === row.id), { message: 'the dead letter' });
    } finally {
      await dlq.stop();
    }
    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'failed', {
      message: 'delivery failed',
    });
    // The disable rule switched the webhook off; an operator switches it back on before replaying.
    await h.store.update(row.id, undefined, { active: true }, 'key_test');
    await h.publish(row.id);

    // One more failure: a replayed chain must retry it rather than dead-letter at once.
    statuses.push(503);
    const replayer = new DlqReplayer({
      kafka: h.topics.kafka,
      topics: h.topics.topics,
      groupPrefix: `${h.topics.prefix}hookline.dlq-replay`,
    });
    expect(
      await replayer.replay({ webhookIds: [row.id], timeoutMs: SCAN_TIMEOUT_MS }),
    ).toMatchObject({ selected: 1, replayed: 1 });

    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'succeeded', {
      message: 'delivery succeeded',
      timeoutMs: 20_000,
    });
    const attempts = await h.attempts(task.delivery_id);
    expect(attempts.map((a) => [a.attempt, a.response_status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
      [1, 503],
      [2, 200],
    ]);
    expect(await h.delivery(task.delivery_id)).toMatchObject({
      attempts: 5,
      next_attempt_at: null,
    });
    const requests = receiver.forEvent(task.event.id);
    expect(requests).toHaveLength(5);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([task.delivery_id]),
    );
  });
});
