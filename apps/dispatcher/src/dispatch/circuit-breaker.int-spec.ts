import type { DeliveryTask, OperationalEvent } from '@hookline/contracts';
import { EndpointCircuitRepository } from '@hookline/persistence';
import { LoopbackReceiver, pollUntil, TopicCollector } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { CircuitBreaker } from './circuit-breaker';

describe(`${CircuitBreaker.name} in the dispatcher`, () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;
  let operational: TopicCollector;
  let tiers: TopicCollector;
  let down = true;

  const circuitEvents = () =>
    operational.json<OperationalEvent>().filter((e) => e.event.startsWith('webhook.circuit_'));

  const metric = (name: string, state: string) => h.metric(name, { state });

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    receiver.answer(() => (down ? { status: 503, body: 'down' } : { status: 200, body: 'ok' }));
    h = await DispatcherHarness.start({
      schedule: '200ms,400ms,600ms',
      disableAfter: 1,
      circuitFailures: 3,
      circuitCooldown: '2s',
    });
    operational = await TopicCollector.start(h.topics.kafka, [h.topics.topics.operational]);
    tiers = await TopicCollector.start(h.topics.kafka, h.topics.topics.retry);
  });
  afterAll(async () => {
    await operational?.stop();
    await tiers?.stop();
    await h?.stop();
    await receiver?.close();
  });

  it('should open after consecutive failures, attempt nothing while open, probe after the cool-down and close when the endpoint recovers', async () => {
    const origin = new URL(receiver.url).origin;
    const circuits = new EndpointCircuitRepository(h.dataSource);
    const { row } = await h.webhook({ url: receiver.url });
    const endpoint = receiver.url;
    const first: DeliveryTask[] = [];
    for (let i = 0; i < 3; i++) first.push(await h.task(row.id));

    await pollUntil(async () => (await circuits.forEndpoint(endpoint)).state === 'open', {
      timeoutMs: 10_000,
      message: 'circuit open',
    });
    const opened = await circuits.forEndpoint(endpoint);
    expect(opened).toMatchObject({ state: 'open', failures: 3, opened_at: expect.any(String) });
    expect(await metric('circuits', 'open')).toBe(1);
    const requestsWhenOpened = receiver.requests.length;
    expect(requestsWhenOpened).toBe(3);

    // While open: new tasks and the first ones' retries are held, not attempted.
    const during: DeliveryTask[] = [];
    for (let i = 0; i < 3; i++) during.push(await h.task(row.id));
    await pollUntil(
      async () => (await h.metric('tasks_held_total', { reason: 'circuit_open' })) >= 6,
      { timeoutMs: 5000, message: 'tasks held' },
    );
    expect(receiver.requests.length).toBe(requestsWhenOpened);
    const openedAt = Date.parse(opened.opened_at!);
    // The opening is announced to the webhook's project, once, however many tasks it holds.
    await pollUntil(async () => circuitEvents().length > 0, {
      timeoutMs: 5000,
      message: 'circuit_opened announced',
    });
    expect(circuitEvents()).toEqual([
      expect.objectContaining({
        event: 'webhook.circuit_opened',
        project_id: 'prj_dispatch_test',
        data: {
          webhook_id: row.id,
          origin,
          reason: 'failures',
          failures: 3,
          opened_at: new Date(openedAt).toISOString(),
          retry_at: new Date(openedAt + 2000).toISOString(),
        },
      }),
    ]);

    down = false;
    await pollUntil(async () => (await circuits.forEndpoint(endpoint)).state === 'closed', {
      timeoutMs: 15_000,
      message: 'circuit closed',
    });
    // Nothing went to the endpoint before the cool-down ended: the first request after is the probe.
    const after = receiver.requests.slice(requestsWhenOpened);
    expect(after[0]!.receivedAt).toBeGreaterThanOrEqual(openedAt + 2000 - 50);
    expect(await metric('circuit_transitions_total', 'half_open')).toBe(1);
    expect(await circuits.forEndpoint(endpoint)).toEqual({
      state: 'closed',
      opened_at: null,
      failures: 0,
    });

    // Every delivery arrives; held tasks were no attempts, and no failure counted toward the
    // disable rule (disable after 1), so the webhook is still active.
    await pollUntil(
      async () => {
        const rows = await Promise.all([...first, ...during].map((t) => h.delivery(t.delivery_id)));
        return rows.every((r) => r?.status === 'succeeded');
      },
      { timeoutMs: 20_000, message: 'all delivered' },
    );
    for (const t of during) expect(await h.attempts(t.delivery_id)).toHaveLength(1);
    for (const t of first)
      expect((await h.attempts(t.delivery_id)).map((a) => a.response_status)).toEqual([503, 200]);
    const [webhook] = await h.dataSource.query('select active from webhooks where id = $1', [
      row.id,
    ]);
    expect(webhook).toEqual({ active: true });
    expect(await metric('circuits', 'open')).toBe(0);
    // Opened and closed once each: half-open is not announced, nor is any held task.
    await pollUntil(async () => circuitEvents().length >= 2, {
      timeoutMs: 5000,
      message: 'circuit_closed announced',
    });
    expect(circuitEvents().map((e) => e.event)).toEqual([
      'webhook.circuit_opened',
      'webhook.circuit_closed',
    ]);
    expect(circuitEvents()[1]).toMatchObject({
      project_id: 'prj_dispatch_test',
      data: { webhook_id: row.id, origin, opened_at: new Date(openedAt).toISOString() },
    });
    expect(operational.byKey('prj_dispatch_test').length).toBe(operational.messages.length);
  });

  it("should break the circuit of the failing endpoint only, never holding another endpoint's deliveries on the same origin", async () => {
    const circuits = new EndpointCircuitRepository(h.dataSource);
    const origin = new URL(receiver.url).origin;
    // One receiver, two paths: one tenant's endpoint fails everything, another's is healthy.
    receiver.answer((req) =>
      req.path.startsWith('/failing') ? { status: 500, body: 'no' } : { status: 200, body: 'ok' },
    );
    const failing = await h.webhook({
      url: `${origin}/failing?token=s3cr3t`,
      disableAfterFailedDeliveries: 1000,
    });
    const healthy = await h.webhook({ url: `${origin}/healthy` });
    const flood = () => Promise.all(Array.from({ length: 5 }, () => h.task(failing.row.id)));

    await flood();
    await pollUntil(async () => (await circuits.forEndpoint(failing.row.url)).state === 'open', {
      timeoutMs: 10_000,
      message: "failing endpoint's circuit open",
    });
    // The flood goes on while the healthy endpoint's deliveries are due.
    const due: DeliveryTask[] = [];
    for (let i = 0; i < 5; i++) {
      await flood();
      due.push(await h.task(healthy.row.id));
    }
    await pollUntil(
      async () => {
        const rows = await Promise.all(due.map((t) => h.delivery(t.delivery_id)));
        return rows.every((r) => r?.status === 'succeeded');
      },
      { timeoutMs: 20_000, message: 'healthy deliveries arrived' },
    );
    for (const t of due) expect(await h.attempts(t.delivery_id)).toHaveLength(1);
    // None of them was held (a hold parks the task on a retry tier); the failing ones were.
    const parked = tiers.json<DeliveryTask>();
    expect(parked.filter((t) => t.webhook_id === healthy.row.id)).toEqual([]);
    expect(parked.some((t) => t.webhook_id === failing.row.id)).toBe(true);
    expect(await circuits.forEndpoint(healthy.row.url)).toEqual({
      state: 'closed',
      opened_at: null,
      failures: 0,
    });
    expect(await metric('circuits', 'open')).toBe(1);
    // Announced for the failing webhook, with its origin; never the URL (it may hold a secret).
    const announced = circuitEvents().filter((e) => e.data.webhook_id === failing.row.id);
    expect(announced[0]).toMatchObject({
      event: 'webhook.circuit_opened',
      data: { webhook_id: failing.row.id, origin },
    });
    expect(JSON.stringify(circuitEvents())).not.toContain('s3cr3t');
    expect(circuitEvents().some((e) => e.data.webhook_id === healthy.row.id)).toBe(false);
  });
});
