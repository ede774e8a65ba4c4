import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeliveryTask, OperationalEvent } from '@hookline/contracts';
import { pollUntil, TopicCollector } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { ConcurrencyLimiter } from './concurrency-limiter';

/**
 * An endpoint on its own origin that reads each request and answers 200, or never answers (until
 * it recovers).
 */
async function startEndpoint(hang: boolean) {
  const hanging = new Set<ServerResponse>();
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => (hang ? void hanging.add(res) : res.writeHead(200).end('ok')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests: () => requests,
    recover: () => void (hang = false),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const STUCK_TASKS = 120;

type Endpoint = Awaited<ReturnType<typeof startEndpoint>>;

/**
 * Before the describe's tests, a dispatcher with small limits (two connections per endpoint, 40
 * tasks pending per partition) and a hanging and a healthy endpoint; after them, stops all three.
 */
function hangingBesideHealthy(timeout: string, maxEndpointWaitMs: number) {
  let harness: DispatcherHarness | undefined;
  let endpoints: [Endpoint, Endpoint] | undefined;
  beforeAll(async () => {
    endpoints = await Promise.all([startEndpoint(true), startEndpoint(false)]);
    harness = await DispatcherHarness.start({
      timeout,
      schedule: '30s',
      disableAfter: 0,
      dispatcher: {
        perEndpoint: 2,
        maxPendingPerPartition: 40,
        maxPendingTotal: 100,
        maxEndpointWaitMs,
      },
    });
  });
  afterAll(async () => {
    await harness?.stop();
    await Promise.all(endpoints?.map((e) => e.close()) ?? []);
  });
  return { h: () => harness!, hang: () => endpoints![0], ok: () => endpoints![1] };
}

describe(`${ConcurrencyLimiter.name} in the dispatcher: a stalled endpoint`, () => {
  // Small limits, so that a hanging endpoint's queue alone would fill them.
  const { h, hang, ok } = hangingBesideHealthy('3s', 300);

  it("should deliver a healthy endpoint's task at once while a hanging endpoint's backlog would fill the partition", async () => {
    const stuck = await h().webhook({ url: hang().url });
    const healthy = await h().webhook({ url: ok().url });
    const stuckTasks = await Promise.all(
      Array.from({ length: STUCK_TASKS }, () => h().task(stuck.row.id, { partition: 0 })),
    );
    // Both connections to the hanging endpoint are taken; the rest of its tasks wait behind them.
    await pollUntil(() => hang().requests() >= 2, { timeoutMs: 10_000, intervalMs: 20 });

    const sentAt = Date.now();
    const task = await h().task(healthy.row.id, { partition: 0 });
    const [attempt] = await h().waitForAttempts(task.delivery_id, 1, 10_000);

    expect(attempt).toMatchObject({ response_status: 200, error_class: null });
    // Well before the hanging requests' 3 s deadline, let alone the backlog's ~3 min behind them.
    expect(new Date(attempt!.started_at).getTime() - sentAt).toBeLessThan(2500);
    // The tasks waiting behind the two hung requests were turned away without a request, into
    // their retries (those that came once a full round waited were held instead).
    const turnedAway = await pollUntil(
      async () => {
        const attempts = await Promise.all(stuckTasks.map((t) => h().attempts(t.delivery_id)));
        const rows = attempts.flat().filter((a) => a.response_status === null);
        return rows.length > 0 && rows;
      },
      { timeoutMs: 15_000, intervalMs: 200, message: 'waiting tasks turned away' },
    );
    expect(turnedAway[0]).toMatchObject({ error_class: 'endpoint_busy' });
    expect(await h().delivery(turnedAway[0]!.delivery_id)).toMatchObject({ status: 'pending' });
    expect(hang().requests()).toBeLessThan(10);
  });
});

describe(`${ConcurrencyLimiter.name} in the dispatcher: a stalled endpoint under steady traffic`, () => {
  // The hung endpoint's traffic alone fills the partition's pending limit well before its
  // second without a freed connection is up.
  const { h, hang, ok } = hangingBesideHealthy('5s', 1000);

  const held = () => h().metric('tasks_held_total', { reason: 'endpoint_busy' });

  it("should deliver a healthy webhook's task of the same partition before the hung endpoint is even found stalled", async () => {
    const stuck = await h().webhook({ url: hang().url });
    const healthy = await h().webhook({ url: ok().url });
    const stuckTasks: DeliveryTask[] = [];
    // ~100 tasks a second, as a busy tenant's traffic comes, for longer than the limit lasts.
    for (let i = 0; i < 60; i++) {
      stuckTasks.push(await h().task(stuck.row.id, { partition: 0 }));
      await sleep(10);
    }
    const task = await h().task(healthy.row.id, { partition: 0 });

    const [attempt] = await h().waitForAttempts(task.delivery_id, 1, 10_000);
    expect(attempt).toMatchObject({ response_status: 200, error_class: null });
    // The tasks waiting for the hung endpoint are turned away once it is found stalled; the
    // healthy one was not queued behind them in the partition until then.
    const [turnedAway] = await h().waitForAttempts(stuckTasks[5]!.delivery_id, 1, 10_000);
    expect(turnedAway).toMatchObject({ response_status: null, error_class: 'endpoint_busy' });
    expect(new Date(attempt!.started_at).getTime()).toBeLessThan(
      new Date(turnedAway!.started_at).getTime(),
    );
    // The hung endpoint's later tasks were held, unattempted, instead of queueing.
    expect(await held()).toBeGreaterThan(0);
    expect(await h().attempts(stuckTasks.at(-1)!.delivery_id)).toEqual([]);
  });
});

describe(`${ConcurrencyLimiter.name} in the dispatcher: a stalled endpoint with a circuit breaker`, () => {
  let h: DispatcherHarness;
  let hang: Awaited<ReturnType<typeof startEndpoint>>;

  let operational: TopicCollector;

  beforeAll(async () => {
    hang = await startEndpoint(true);
    h = await DispatcherHarness.start({
      timeout: '3s',
      // A retry tier keeps its tasks in order: held tasks wait behind the hung requests' retries,
      // so the retry delay is kept as short as the cool-down.
      schedule: '2s',
      disableAfter: 0,
      circuitFailures: 10,
      circuitCooldown: '2s',
      dispatcher: { perEndpoint: 2, maxEndpointWaitMs: 300 },
    });
    operational = await TopicCollector.start(h.topics.kafka, [h.topics.topics.operational]);
  });
  afterAll(async () => {
    await operational?.stop();
    await h?.stop();
    await hang?.close();
  });

  const held = () => h.metric('tasks_held_total', { reason: 'circuit_open' });

  it('should open its circuit and hold its tasks, spending none of their attempts, until it answers again', async () => {
    const stuck = await h.webhook({ url: hang.url });
    const stuckTasks = await Promise.all(
      Array.from({ length: STUCK_TASKS }, () => h.task(stuck.row.id, { partition: 0 })),
    );
    // Two requests hang; the tasks behind them are held, not failed one by one into retries with
    // a log row each (a hanging endpoint would otherwise cost as much as a working one).
    await pollUntil(async () => (await held()) >= STUCK_TASKS - 10, {
      timeoutMs: 10_000,
      message: 'tasks held while the endpoint is stalled',
    });
    expect(hang.requests()).toBe(2);
    const last = stuckTasks.at(-1)!.delivery_id;
    expect(await h.attempts(last)).toEqual([]);
    // The project is told why: the endpoint stalled, before any attempt failed.
    await pollUntil(
      () => operational.json<OperationalEvent>().find((e) => e.event === 'webhook.circuit_opened'),
      { timeoutMs: 5000, message: 'circuit_opened announced' },
    );
    expect(
      operational.json<OperationalEvent>().find((e) => e.event === 'webhook.circuit_opened')!.data,
    ).toMatchObject({ webhook_id: stuck.row.id, reason: 'stalled', failures: 0 });

    // Once the endpoint answers again, a probe closes the circuit and the held tasks are
    // delivered, each on its first attempt.
    hang.recover();
    const [delivered] = await h.waitForAttempts(last, 1, 30_000);
    expect(delivered).toMatchObject({ attempt: 1, response_status: 200, error_class: null });
  });
});
