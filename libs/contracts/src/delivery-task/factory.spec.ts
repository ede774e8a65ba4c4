import { KafkaHeaders } from '../headers';
import { decodeDeliveryTask } from './codec';
import { EVENT as event } from './event.fixture';
import { DeliveryTasks } from './factory';
import { DeliveryTaskSchema, type DeliveryTask } from './value';

const task: DeliveryTask = { delivery_id: 'msg_1', webhook_id: 'wh_1', attempt: 2, event };
const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };

describe('DeliveryTasks', () => {
  it('should key every kind by webhook id and name the event type in a header', () => {
    const messages = [
      ...DeliveryTasks.firstAttempts(event, ['wh_a', 'wh_b'], trace),
      DeliveryTasks.retry(task, {
        attempt: 3,
        notBefore: 1_800_000_000_000,
        lastError: 'HTTP 500',
      }),
      DeliveryTasks.deadLetter(task, {
        reason: 'retries_exhausted',
        lastError: 'HTTP 500',
        sourceTopic: 'hookline.deliveries.retry.5',
        at: new Date(0),
      }),
      DeliveryTasks.replay({ ...task, manual: true, last_error: 'x' }),
      DeliveryTasks.redeliver({ id: 'msg_1', webhookId: 'wh_1', event, createdAt: new Date(0) }, 7),
      DeliveryTasks.testPing('prj_1', 'wh_1').message,
    ];
    for (const m of messages) {
      const decoded = decodeDeliveryTask(m.value);
      expect(m.key).toBe(decoded.webhook_id);
      expect(m.headers[KafkaHeaders.eventType]).toBe(decoded.event.event);
    }
    expect(messages[0]!.headers.traceparent).toBe(trace.traceparent);
  });

  it('should start a replay over at attempt 1 as an automatic chain', () => {
    const replay = decodeDeliveryTask(
      DeliveryTasks.replay({
        ...task,
        manual: true,
        last_error: 'x',
        not_before: event.occurred_at,
      }).value,
    );
    expect(replay).toEqual({
      delivery_id: 'msg_1',
      webhook_id: 'wh_1',
      attempt: 1,
      chain: expect.any(Number),
      event,
    });
  });

  it('should carry the birth time the fan-out stamped through every later task of the delivery', () => {
    const createdAt = new Date('2026-12-01T23:59:59.999Z');
    const [first] = DeliveryTasks.firstAttempts(event, ['wh_a'], undefined, createdAt);
    const born = decodeDeliveryTask(first!.value);
    expect(born.created_at).toBe(createdAt.toISOString());
    const retry = decodeDeliveryTask(
      DeliveryTasks.retry(born, { attempt: 2, notBefore: Date.now(), lastError: 'e' }).value,
    );
    const dead = decodeDeliveryTask(
      DeliveryTasks.deadLetter(retry, {
        reason: 'retries_exhausted',
        lastError: 'e',
        sourceTopic: 't',
        at: new Date(),
      }).value,
    );
    const replay = decodeDeliveryTask(DeliveryTasks.replay(dead).value);
    const redeliver = decodeDeliveryTask(
      DeliveryTasks.redeliver({ id: born.delivery_id, webhookId: 'wh_a', event, createdAt }, 9)
        .value,
    );
    for (const t of [retry, dead, replay, redeliver])
      expect(t.created_at).toBe(createdAt.toISOString());
    expect(DeliveryTasks.testPing('prj_1', 'wh_1', undefined, createdAt).task.created_at).toBe(
      createdAt.toISOString(),
    );
  });

  it('should carry when a retry falls due in the value and in a header', () => {
    const m = DeliveryTasks.retry(task, {
      attempt: 3,
      notBefore: 1_800_000_000_000,
      lastError: 'e',
    });
    expect(m.headers[KafkaHeaders.notBefore]).toBe('1800000000000');
    expect(decodeDeliveryTask(m.value)).toMatchObject({
      attempt: 3,
      not_before: new Date(1_800_000_000_000).toISOString(),
      last_error: 'e',
    });
  });

  it('should name the due time of every task it puts on a retry tier in a header', () => {
    const due = 1_800_000_000_000;
    const dueTask = { ...task, not_before: new Date(due).toISOString() };
    const messages = [
      DeliveryTasks.retry(task, { attempt: 3, notBefore: due, wakeAt: due - 5, lastError: 'e' }),
      DeliveryTasks.hold(task, {
        notBefore: due,
        wakeAt: due - 5,
        throttleSlot: false,
        reason: 'circuit_open',
      }),
      DeliveryTasks.repark(dueTask, due - 5),
    ];
    for (const m of messages) {
      expect(m.headers[KafkaHeaders.due]).toBe(String(due));
      expect(m.headers[KafkaHeaders.notBefore]).toBe(String(due - 5));
    }
  });

  it('should carry a hop as it came, with only the wake-up time changed', () => {
    const m = DeliveryTasks.repark(
      { ...task, not_before: new Date(2e12).toISOString() },
      1e12,
      trace,
    );
    const consumed = { key: m.key, value: Buffer.from(m.value), headers: m.headers };
    const hop = DeliveryTasks.rehop(consumed, 1e12 + 5);
    expect(hop.key).toBe(m.key);
    expect(hop.value).toBe(consumed.value);
    expect(hop.headers).toEqual({ ...m.headers, [KafkaHeaders.notBefore]: String(1e12 + 5) });
  });

  it('should hold a task its circuit held again as it came, with only its due and wake-up times changed', () => {
    const m = DeliveryTasks.hold(
      task,
      { notBefore: 1e12, wakeAt: 1e12, throttleSlot: false, reason: 'circuit_open' },
      trace,
    );
    expect(m.headers[KafkaHeaders.heldFor]).toBe('circuit_open');
    const consumed = { key: m.key, value: Buffer.from(m.value), headers: m.headers };
    const again = DeliveryTasks.rehold(consumed, { notBefore: 2e12, wakeAt: 2e12 - 5 });
    expect(again.key).toBe(m.key);
    expect(again.value).toBe(consumed.value);
    expect(again.headers).toEqual({
      ...m.headers,
      [KafkaHeaders.due]: String(2e12),
      [KafkaHeaders.notBefore]: String(2e12 - 5),
    });
  });

  it('should hold a task its backlog turned away again for its circuit as it came, marked circuit_open', () => {
    const m = DeliveryTasks.hold(
      task,
      { notBefore: 1e12, wakeAt: 1e12, throttleSlot: false, reason: 'endpoint_busy' },
      trace,
    );
    const consumed = { key: m.key, value: Buffer.from(m.value), headers: m.headers };
    const again = DeliveryTasks.rehold(consumed, { notBefore: 2e12, wakeAt: 2e12 });
    expect(again.value).toBe(consumed.value);
    expect(again.headers).toEqual({
      ...m.headers,
      [KafkaHeaders.due]: String(2e12),
      [KafkaHeaders.notBefore]: String(2e12),
      [KafkaHeaders.heldFor]: 'circuit_open',
    });
  });

  it('should refuse to build a task the schema refuses', () => {
    expect(() => DeliveryTasks.firstAttempts(event, ['not-a-webhook'])).toThrow();
    expect(() =>
      DeliveryTasks.redeliver({ id: 'x', webhookId: 'wh_1', event, createdAt: new Date(0) }, 0),
    ).toThrow();
  });

  it('should write every kind in the form the schema gives it, from a task read or a task built', () => {
    const read = decodeDeliveryTask(
      JSON.stringify({ event, attempt: 2, webhook_id: 'wh_1', delivery_id: 'msg_1', chain: 5 }),
    );
    for (const t of [read, task, { ...task, manual: true, last_error: 'e' }]) {
      const messages = [
        DeliveryTasks.retry(t, { attempt: 3, notBefore: 1e12, lastError: 'HTTP 500' }),
        DeliveryTasks.hold(t, {
          notBefore: 1e12,
          wakeAt: 1e12,
          throttleSlot: true,
          reason: 'throttled',
        }),
        DeliveryTasks.repark(t, 1e12),
        DeliveryTasks.deadLetter(t, {
          reason: 'permanent_error',
          lastError: 'gone',
          sourceTopic: 't',
          at: new Date(0),
        }),
        DeliveryTasks.replay(t, undefined, 9),
      ];
      for (const m of messages)
        expect(m.value).toBe(JSON.stringify(DeliveryTaskSchema.parse(JSON.parse(m.value))));
    }
  });

  it('should check the event of a task it did not read, and the new fields of one it did', () => {
    const unportable = { ...task, event: { ...event, data: { a: 'NUL \u0000 here' } } };
    const held = {
      notBefore: 1e12,
      wakeAt: 1e12,
      throttleSlot: false,
      reason: 'circuit_open' as const,
    };
    expect(() => DeliveryTasks.hold(unportable, held)).toThrow(/NUL/);
    expect(() =>
      DeliveryTasks.retry(unportable, { attempt: 3, notBefore: 1e12, lastError: 'x' }),
    ).toThrow();
    const read = decodeDeliveryTask(JSON.stringify(task));
    expect(() =>
      DeliveryTasks.retry(read, { attempt: 0, notBefore: 1e12, lastError: 'x' }),
    ).toThrow(/attempt/);
    expect(() => DeliveryTasks.hold({ ...read, delivery_id: 'x' }, held)).toThrow(/delivery_id/);
  });

  it('should put the reason and the last error of a dead letter in headers', () => {
    const m = DeliveryTasks.deadLetter(task, {
      reason: 'retries_exhausted',
      lastError: 'e'.repeat(5000),
      sourceTopic: 't',
      at: new Date(0),
    });
    expect(m.headers[KafkaHeaders.dlqReason]).toBe('retries_exhausted');
    expect(m.headers[KafkaHeaders.lastError]).toHaveLength(1000);
    expect(decodeDeliveryTask(m.value).last_error).toHaveLength(2000);
  });
});
