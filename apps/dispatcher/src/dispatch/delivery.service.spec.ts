import { deliveryId, KafkaHeaders, type DeliveryTask } from '@hookline/contracts';
import type { ConsumedMessage } from '@hookline/kafka';
import type { Logger } from '@hookline/telemetry';
import { eventEnvelope } from '@hookline/testing';
import type { LifecycleExecutor } from '../lifecycle/lifecycle.executor';
import { CircuitBreaker } from './circuit-breaker';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { DeliveryService, type DeliveryServiceDeps } from './delivery.service';
import type { DispatcherMetrics } from './dispatcher.metrics';
import { WebhookThrottle } from './webhook-throttle';

/**
 * While an endpoint stays down, a hold is all its tasks should cost: they come back to look at the
 * circuit for as long as the outage lasts (see circuitHoldUntil), and each look used to start the
 * task's settled lookup in Postgres as well, before the circuit turned it away.
 */
describe(`${DeliveryService.name} before an attempt`, () => {
  const URL = 'https://hooks.example/down';
  const WEBHOOK = 'wh_1';
  let now: number;
  let circuit: CircuitBreaker;
  let settled: jest.Mock;
  let holds: { task: DeliveryTask; retryAt: number; downSince: number }[];
  let reheld: { value: string; retryAt: number }[];
  let unreadable: jest.Mock;
  let sut: DeliveryService;

  const message = (headers: ConsumedMessage['headers'] = {}): ConsumedMessage => {
    const event = eventEnvelope({ project_id: 'prj_1' });
    const task: DeliveryTask = {
      delivery_id: deliveryId(event.id, WEBHOOK),
      webhook_id: WEBHOOK,
      attempt: 1,
      event,
    };
    return {
      topic: 'hookline.deliveries',
      partition: 0,
      offset: '0',
      key: WEBHOOK,
      value: Buffer.from(JSON.stringify(task)),
      headers,
    };
  };

  beforeEach(() => {
    now = 1_800_000_000_000;
    circuit = new CircuitBreaker({ threshold: 2, cooldownMs: 30_000, now: () => now });
    settled = jest.fn(async () => undefined);
    holds = [];
    reheld = [];
    unreadable = jest.fn(async () => undefined);
    const lifecycle = {
      unreadable,
      rehopUnread: () => undefined,
      heldForEndpoint: (m: ConsumedMessage) => m.headers[KafkaHeaders.heldFor] === 'circuit_open',
      reholdUnread: async (m: ConsumedMessage, r: { retryAt: number }) => {
        reheld.push({ value: m.value!.toString(), retryAt: r.retryAt });
      },
      beforeAttempt: async () => true,
      holdForCircuit: async (
        task: DeliveryTask,
        _m: unknown,
        r: { retryAt: number; downSince: number },
      ) => {
        holds.push({ task, retryAt: r.retryAt, downSince: r.downSince });
      },
    } as unknown as LifecycleExecutor;
    sut = new DeliveryService({
      limiter: new ConcurrencyLimiter(10, 2, 1000, () => now, circuit),
      lifecycle,
      settled,
      urlHint: () => URL,
      batchHint: () => null,
      throttleHint: () => null,
      metrics: { tasksDropped: { inc: () => undefined } } as unknown as DispatcherMetrics,
      log: { warn: () => undefined } as unknown as Logger,
    } as Partial<DeliveryServiceDeps> as DeliveryServiceDeps);
  });

  it('should hold the task of an endpoint whose circuit is open without looking anything up', async () => {
    const opened = now;
    for (let i = 0; i < 2; i++) circuit.record(URL, 'failure', false);
    now += 1000;
    await sut.handle(message());
    now += 40_000;
    circuit.admit(URL); // the probe, out
    await sut.handle(message());

    expect(settled).not.toHaveBeenCalled();
    expect(holds.map(({ retryAt, downSince }) => ({ retryAt, downSince }))).toEqual([
      { retryAt: opened + 30_000, downSince: opened },
      { retryAt: now + 30_000, downSince: opened },
    ]);
  });

  it('should hold again, unread, a task its circuit held while the circuit stays open, and let one a second through to become the probe', async () => {
    const opened = now;
    for (let i = 0; i < 2; i++) circuit.record(URL, 'failure', false);
    const heldBefore = (): ConsumedMessage => ({
      ...message({ [KafkaHeaders.heldFor]: 'circuit_open' }),
      value: Buffer.from('not read while its endpoint is down'),
    });
    now += 1000;
    await sut.handle(heldBefore());
    // The cool-down is over: the first back is read (and this one, no task, dead-lettered), to be
    // the probe; the next waits behind it.
    now += 29_000;
    await sut.handle(heldBefore());
    await sut.handle(heldBefore());

    expect(reheld).toEqual([
      { value: 'not read while its endpoint is down', retryAt: opened + 30_000 },
      { value: 'not read while its endpoint is down', retryAt: now + 30_000 },
    ]);
    expect(unreadable).toHaveBeenCalledTimes(1);
    expect(holds).toHaveLength(0);
    expect(settled).not.toHaveBeenCalled();
  });
});

/**
 * A throttled webhook's backlog is capped at the longest a delivery may wait (longestWaitMs): a
 * task over it would be attempted after its record was dropped. Held, it used to take a send slot
 * it would never use, so every later task of the webhook queued further behind.
 */
describe(`${DeliveryService.name} over a full throttle`, () => {
  it('should end a task whose slot would lie past the longest wait at once, without holding it', async () => {
    const now = 1_800_000_000_000;
    const throttle = new WebhookThrottle(() => now, 3_000);
    for (let i = 0; i < 4; i++) throttle.admit('wh_1', 1); // one sent, three slots reserved
    const ended: { task: DeliveryTask; due: number }[] = [];
    const hold = jest.fn();
    const held = jest.fn();
    const lifecycle = {
      rehopUnread: () => undefined,
      heldForEndpoint: () => false,
      beforeAttempt: async () => true,
      hold,
      endTooLate: async (task: DeliveryTask, _m: unknown, due: number) => {
        ended.push({ task, due });
      },
    } as unknown as LifecycleExecutor;
    const sut = new DeliveryService({
      lifecycle,
      throttle,
      throttleHint: () => 1,
      throttled: { held } as unknown as DeliveryServiceDeps['throttled'],
    } as Partial<DeliveryServiceDeps> as DeliveryServiceDeps);
    const event = eventEnvelope({ project_id: 'prj_1' });
    const task: DeliveryTask = {
      delivery_id: deliveryId(event.id, 'wh_1'),
      webhook_id: 'wh_1',
      attempt: 1,
      event,
    };
    await sut.handle({
      topic: 'hookline.deliveries',
      partition: 0,
      offset: '0',
      key: 'wh_1',
      value: Buffer.from(JSON.stringify(task)),
      headers: {},
    });
    expect(ended).toEqual([
      { task: expect.objectContaining({ delivery_id: task.delivery_id }), due: now + 4000 },
    ]);
    expect(hold).not.toHaveBeenCalled();
    expect(held).not.toHaveBeenCalled();
  });
});
