import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaHeaders, type DeliveryTask, type OperationalEvent } from '@hookline/contracts';
import { pollUntil, TopicCollector } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { ConcurrencyLimiter } from './concurrency-limiter';

/**
 * An endpoint on its own origin that reads each request and answers 200 (after `answerAfterMs`),
 * or never answers (until it recovers), or (`drip`) answers 200 and then drips its body forever.
 */
async function startEndpoint(hang: boolean | 'drip', answerAfterMs = 0) {
  const hanging = new Set<ServerResponse>();
  let requests = 0;
  const answer = (res: ServerResponse) => res.writeHead(200).end('ok');
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      if (hang === 'drip') {
        // The status and headers at once, then a byte a second: never a complete answer.
        hanging.add(res);
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.flushHeaders();
        const drip = setInterval(() => res.write('.'), 1000);
        res.on('close', () => clearInterval(drip));
      } else if (hang) hanging.add(res);
      else if (answerAfterMs > 0) setTimeout(() => answer(res), answerAfterMs);
      else answer(res);
    });
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

/**
 * Before the describe's tests, an endpoint that hangs (or drips its answers) alone on a dispatcher
 * with the circuit breaker on (10 failures, two connections per endpoint, stalled after 300 ms),
 * and a collector of hookline.operational; after them, stops all three.
 */
function stalledBehindBreaker(
  kind: true | 'drip',
  limits: { timeout: string; schedule: string; circuitCooldown: string },
) {
  let harness: DispatcherHarness | undefined;
  let endpoint: Endpoint | undefined;
  let collector: TopicCollector | undefined;
  beforeAll(async () => {
    endpoint = await startEndpoint(kind);
    harness = await DispatcherHarness.start({
      ...limits,
      disableAfter: 0,
      circuitFailures: 10,
      dispatcher: { perEndpoint: 2, maxEndpointWaitMs: 300 },
    });
    collector = await TopicCollector.start(harness.topics.kafka, [
      harness.topics.topics.operational,
    ]);
  });
  afterAll(async () => {
    await collector?.stop();
    await harness?.stop();
    await endpoint?.close();
  });
  /** What hookline.operational has announced so far of one kind. */
  const announced = (event: OperationalEvent['event']) =>
    collector!.json<OperationalEvent>().filter((e) => e.event === event);
  return { h: () => harness!, endpoint: () => endpoint!, announced };
}

describe(`${ConcurrencyLimiter.name} in the dispatcher: a stalled endpoint with a circuit breaker`, () => {
  const {
    h,
    endpoint: hang,
    announced,
  } = stalledBehindBreaker(true, {
    timeout: '3s',
    // A retry tier keeps its tasks in order: held tasks wait behind the hung requests' retries,
    // so the retry delay is kept as short as the cool-down.
    schedule: '2s',
    circuitCooldown: '2s',
  });

  const held = () => h().metric('tasks_held_total', { reason: 'circuit_open' });

  it('should open its circuit and hold its tasks, spending none of their attempts, until it answers again', async () => {
    const stuck = await h().webhook({ url: hang().url });
    const stuckTasks = await Promise.all(
      Array.from({ length: STUCK_TASKS }, () => h().task(stuck.row.id, { partition: 0 })),
    );
    // Two requests hang; the tasks behind them are held, not failed one by one into retries with
    // a log row each (a hanging endpoint would otherwise cost as much as a working one).
    await pollUntil(async () => (await held()) >= STUCK_TASKS - 10, {
      timeoutMs: 10_000,
      message: 'tasks held while the endpoint is stalled',
    });
    expect(hang().requests()).toBe(2);
    const last = stuckTasks.at(-1)!.delivery_id;
    expect(await h().attempts(last)).toEqual([]);
    // The project is told why: the endpoint stalled, before any attempt failed.
    await pollUntil(() => announced('webhook.circuit_opened')[0], {
      timeoutMs: 5000,
      message: 'circuit_opened announced',
    });
    expect(announced('webhook.circuit_opened')[0]!.data).toMatchObject({
      webhook_id: stuck.row.id,
      reason: 'stalled',
      failures: 0,
    });

    // Once the endpoint answers again, a probe closes the circuit and the held tasks are
    // delivered, each on its first attempt.
    hang().recover();
    const [delivered] = await h().waitForAttempts(last, 1, 30_000);
    expect(delivered).toMatchObject({ attempt: 1, response_status: 200, error_class: null });
  });
});

describe(`${ConcurrencyLimiter.name} in the dispatcher: tasks turned away before a stalled endpoint's circuit opened`, () => {
  const { h, endpoint: hang } = stalledBehindBreaker(true, {
    timeout: '5s',
    schedule: '1s,2s',
    circuitCooldown: '20s',
  });
  let tiers: TopicCollector | undefined;
  beforeAll(async () => {
    tiers = await TopicCollector.start(h().topics.kafka, h().topics.topics.retry);
  });
  afterAll(async () => tiers?.stop());

  // Turned away as `endpoint_busy` while the endpoint was not yet found stalled, such a task comes
  // back after its circuit opened, with the value a circuit's hold writes. Read, checked and
  // encoded again, it cost what a first hold costs; at a tenant's hung endpoints that was a second
  // round of holds a second after the first (docs/chaos.md), on the event loop every tenant's
  // deliveries share.
  it('should hold them again unread when they come back to its open circuit', async () => {
    const stuck = await h().webhook({ url: hang().url });
    // ~100 tasks a second: two hang, two wait, and the next are turned away until the endpoint is
    // found stalled (300 ms without a freed connection) and its circuit opens.
    for (let i = 0; i < 40; i++) {
      await h().task(stuck.row.id, { partition: 0 });
      await sleep(10);
    }
    const holds = (reason: string) =>
      tiers!.messages.filter((m) => m.headers[KafkaHeaders.heldFor] === reason);
    const deliveryOf = (m: { value: string }) => (JSON.parse(m.value) as DeliveryTask).delivery_id;
    await pollUntil(
      () => {
        const again = new Set(holds('circuit_open').map(deliveryOf));
        const busy = holds('endpoint_busy');
        return busy.length > 0 && busy.every((m) => again.has(deliveryOf(m)));
      },
      { timeoutMs: 15_000, message: 'the turned-away tasks held again for the open circuit' },
    );
    const busy = holds('endpoint_busy');
    const again = new Map(holds('circuit_open').map((m) => [deliveryOf(m), m]));
    for (const m of busy) {
      const held = again.get(deliveryOf(m))!;
      // As it came: the same bytes, with only when it falls due and why in its headers.
      expect(held.value).toBe(m.value);
      expect(Number(held.headers[KafkaHeaders.due])).toBeGreaterThan(
        Number(m.headers[KafkaHeaders.due]),
      );
    }
    expect(hang().requests()).toBe(2);
  });
});

describe(`${ConcurrencyLimiter.name} in the dispatcher: an endpoint that drips its answers`, () => {
  const {
    h,
    endpoint: drip,
    announced,
  } = stalledBehindBreaker('drip', {
    timeout: '2s',
    schedule: '30s',
    // Far past the test: only a success may close the circuit before it.
    circuitCooldown: '1m',
  });

  it('should keep its circuit open when the dripped answers are cut at the deadline', async () => {
    const dripping = await h().webhook({ url: drip().url });
    const tasks = await Promise.all(
      Array.from({ length: 40 }, () => h().task(dripping.row.id, { partition: 0 })),
    );
    // Both connections drip; the endpoint is found stalled and its circuit opens.
    await pollUntil(() => announced('webhook.circuit_opened').length > 0, {
      timeoutMs: 10_000,
      message: 'circuit_opened announced',
    });
    // The two dripping exchanges are cut at their 2 s deadline: a 200 whose body never ended is a
    // failed attempt, not an endpoint that is up again.
    const [first] = await h().waitForAttempts(tasks[0]!.delivery_id, 1, 10_000);
    expect(first).toMatchObject({ response_status: 200, error_class: 'timeout' });
    await sleep(1500);
    expect(announced('webhook.circuit_closed')).toEqual([]);
    // Nothing more was sent to it: the circuit still holds the rest until its cool-down ends.
    expect(drip().requests()).toBe(2);
  });
});

/** Blocks this thread, as a long GC pause or a pod throttled to its CPU quota stops a process. */
function stopTheWorld(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe(`${ConcurrencyLimiter.name} in the dispatcher: a pause of the dispatcher itself`, () => {
  let h: DispatcherHarness;
  let quick: Awaited<ReturnType<typeof startEndpoint>>;

  beforeAll(async () => {
    // Each answer takes 40 ms: both connections are always taken while tasks wait, and one
    // frees every 40 ms at most, well inside the 75 ms after which waiting work is deferred.
    quick = await startEndpoint(false, 40);
    h = await DispatcherHarness.start({
      timeout: '3s',
      schedule: '30s',
      disableAfter: 0,
      circuitFailures: 10,
      circuitCooldown: '30s',
      dispatcher: { perEndpoint: 2, maxEndpointWaitMs: 300 },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await quick?.close();
  });

  it('should not take the time the dispatcher did not run for a stalled endpoint', async () => {
    const webhook = await h.webhook({ url: quick.url });
    const tasks = await Promise.all(
      Array.from({ length: 40 }, () => h.task(webhook.row.id, { partition: 0 })),
    );
    // Both connections taken, the rest of the tasks waiting for them: then nothing runs for 1.5 s
    // (five times the endpoint's stall limit), the endpoint's answers included.
    await pollUntil(() => quick.requests() >= 4, { timeoutMs: 10_000, intervalMs: 1 });
    stopTheWorld(1500);

    // Every task delivered on its first attempt: none was turned away, and no circuit opened to
    // hold them for its 30 s cool-down.
    for (const task of tasks) {
      const [attempt] = await h.waitForAttempts(task.delivery_id, 1, 10_000);
      expect(attempt).toMatchObject({ attempt: 1, response_status: 200, error_class: null });
    }
    expect(await h.metric('tasks_held_total', { reason: 'circuit_open' })).toBe(0);
    expect(await h.metric('tasks_held_total', { reason: 'endpoint_busy' })).toBe(0);
  });
});
