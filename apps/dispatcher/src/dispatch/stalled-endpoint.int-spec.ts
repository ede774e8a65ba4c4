import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperationalEvent } from '@hookline/contracts';
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

describe(`${ConcurrencyLimiter.name} in the dispatcher: a stalled endpoint`, () => {
  let h: DispatcherHarness;
  let hang: Awaited<ReturnType<typeof startEndpoint>>;
  let ok: Awaited<ReturnType<typeof startEndpoint>>;

  beforeAll(async () => {
    [hang, ok] = await Promise.all([startEndpoint(true), startEndpoint(false)]);
    h = await DispatcherHarness.start({
      timeout: '3s',
      schedule: '30s',
      disableAfter: 0,
      // Small limits, so that a hanging endpoint's queue alone would fill them.
      dispatcher: {
        perEndpoint: 2,
        maxPendingPerPartition: 40,
        maxPendingTotal: 100,
        maxEndpointWaitMs: 300,
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await Promise.all([hang?.close(), ok?.close()]);
  });

  it("should deliver a healthy endpoint's task at once while a hanging endpoint's backlog would fill the partition", async () => {
    const stuck = await h.webhook({ url: hang.url });
    const healthy = await h.webhook({ url: ok.url });
    const stuckTasks = await Promise.all(
      Array.from({ length: STUCK_TASKS }, () => h.task(stuck.row.id, { partition: 0 })),
    );
    // Both connections to the hanging endpoint are taken; the rest of its tasks wait behind them.
    await pollUntil(() => hang.requests() >= 2, { timeoutMs: 10_000, intervalMs: 20 });

    const sentAt = Date.now();
    const task = await h.task(healthy.row.id, { partition: 0 });
    const [attempt] = await h.waitForAttempts(task.delivery_id, 1, 10_000);

    expect(attempt).toMatchObject({ response_status: 200, error_class: null });
    // Well before the hanging requests' 3 s deadline, let alone the backlog's ~3 min behind them.
    expect(new Date(attempt!.started_at).getTime() - sentAt).toBeLessThan(2500);
    // The waiting tasks were turned away without a request, into their retries.
    const [turnedAway] = await h.waitForAttempts(stuckTasks.at(-1)!.delivery_id, 1);
    expect(turnedAway).toMatchObject({ response_status: null, error_class: 'endpoint_busy' });
    expect(await h.delivery(stuckTasks.at(-1)!.delivery_id)).toMatchObject({ status: 'pending' });
    expect(hang.requests()).toBeLessThan(10);
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

  const held = async () =>
    (
      await h.dispatcher!.registry.getSingleMetric('hookline_dispatcher_tasks_held_total')!.get()
    ).values.find((v) => v.labels.reason === 'circuit_open')?.value ?? 0;

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
