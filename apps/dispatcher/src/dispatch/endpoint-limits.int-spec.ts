import type { DeliveryTask, OperationalEvent } from '@hookline/contracts';
import { murmur2 } from '@hookline/kafka';
import { LoopbackReceiver, pollUntil, TopicCollector } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { WebhookThrottle } from './webhook-throttle';

const SCHEDULE = [200, 400, 600];
const partitionOf = (key: string) => (murmur2(key) & 0x7fffffff) % 3;

describe(`${WebhookThrottle.name} and the other per-webhook settings`, () => {
  let h: DispatcherHarness;
  let slow: LoopbackReceiver;
  let other: LoopbackReceiver;
  let failing: LoopbackReceiver;
  let operational: TopicCollector;

  const requestsFor = (r: LoopbackReceiver, eventId: string, n: number, timeoutMs = 15_000) =>
    pollUntil(() => r.forEvent(eventId).length >= n && r.forEvent(eventId), {
      timeoutMs,
      message: `${n} requests for ${eventId}`,
    });

  beforeAll(async () => {
    [slow, other, failing] = await Promise.all([
      LoopbackReceiver.start(),
      LoopbackReceiver.start(),
      LoopbackReceiver.start(),
    ]);
    failing.answer({ status: 500, body: 'down' });
    h = await DispatcherHarness.start({ schedule: SCHEDULE.map((ms) => `${ms}ms`).join(',') });
    operational = await TopicCollector.start(h.topics.kafka, [h.topics.topics.operational]);
  });
  afterAll(async () => {
    await operational?.stop();
    await h?.stop();
    await Promise.all([slow?.close(), other?.close(), failing?.close()]);
  });

  it("should deliver a throttled webhook's backlog at its rate while another project's webhook on the same partition is unaffected", async () => {
    const RATE = 5;
    const N = 20;
    const { row: throttled } = await h.webhook({ url: slow.url, throttlePerSecond: RATE });
    let neighbour = await h.webhook({ url: other.url, projectId: 'prj_neighbour' });
    while (partitionOf(neighbour.row.id) !== partitionOf(throttled.id))
      neighbour = await h.webhook({ url: other.url, projectId: 'prj_neighbour' });

    const backlog: DeliveryTask[] = [];
    for (let i = 0; i < N; i++) backlog.push(await h.task(throttled.id));
    // Written behind the whole backlog, on the same partition.
    const sentAt = Date.now();
    const prompt: DeliveryTask[] = [];
    for (let i = 0; i < 5; i++)
      prompt.push(await h.task(neighbour.row.id, { event: { project_id: 'prj_neighbour' } }));

    await pollUntil(() => prompt.every((t) => other.forEvent(t.event.id).length === 1), {
      timeoutMs: 10_000,
      message: "the neighbour's deliveries",
    });
    const neighbourDone = Math.max(...prompt.map((t) => other.forEvent(t.event.id)[0]!.receivedAt));
    // Not behind the throttled backlog (which takes N / RATE = 4 s to drain).
    expect(neighbourDone - sentAt).toBeLessThan(1500);

    await pollUntil(() => backlog.every((t) => slow.forEvent(t.event.id).length >= 1), {
      timeoutMs: 30_000,
      message: 'the throttled backlog',
    });
    const arrivals = slow.requests.map((r) => r.receivedAt).sort((a, b) => a - b);
    expect(arrivals).toHaveLength(N);
    // Requests go 1/RATE apart; the receiver, on this loaded test process's event loop, may see
    // one of them late and the next on time: never more than RATE + 1 within a second.
    for (let i = 0; i + RATE + 1 < arrivals.length; i++)
      expect(arrivals[i + RATE + 1]! - arrivals[i]!).toBeGreaterThanOrEqual(1000);
    // On average at most RATE per second (a timer's margin allowed), and not far below it.
    const span = arrivals.at(-1)! - arrivals[0]!;
    expect(span).toBeGreaterThanOrEqual(((N - 1) * 1000 * 0.97) / RATE);
    expect(span).toBeLessThan(((N - 1) * 1000) / RATE + 3000);
    // Held tasks are not attempts: one attempt each, all succeeded.
    const attempts = await Promise.all(backlog.map((t) => h.waitForAttempts(t.delivery_id, 1)));
    expect(attempts.map((a) => a.length)).toEqual(backlog.map(() => 1));
    // The backlog is announced to the webhook's project once, not once per held task.
    const throttledEvents = () =>
      operational.json<OperationalEvent>().filter((e) => e.event === 'webhook.throttled');
    await pollUntil(() => throttledEvents().length > 0, {
      timeoutMs: 5000,
      message: 'webhook.throttled announced',
    });
    expect(throttledEvents()).toEqual([
      expect.objectContaining({
        project_id: 'prj_dispatch_test',
        data: {
          webhook_id: throttled.id,
          throttle_per_second: RATE,
          held_until: expect.any(String),
        },
      }),
    ]);
  });

  it("should retry on the webhook's own schedule and disable it after its own threshold", async () => {
    const own = [300, 900];
    const { row } = await h.webhook({
      url: failing.url,
      retrySchedule: own,
      disableAfterFailedDeliveries: 2,
    });
    const webhookRow = async () =>
      (
        (await h.dataSource.query(
          'select active, disabled_reason, consecutive_failures from webhooks where id = $1',
          [row.id],
        )) as { active: boolean; disabled_reason: string | null; consecutive_failures: number }[]
      )[0]!;

    const first = await h.task(row.id);
    const reqs = await requestsFor(failing, first.event.id, own.length + 1);
    const gaps = reqs.slice(1).map((r, i) => r.receivedAt - reqs[i]!.receivedAt);
    expect(gaps[0]).toBeGreaterThanOrEqual(own[0]! * 0.8 - 5);
    expect(gaps[1]).toBeGreaterThanOrEqual(own[1]! * 0.8 - 5);
    await pollUntil(async () => (await h.delivery(first.delivery_id))?.status === 'failed', {
      message: 'first delivery failed',
    });
    // Two retries, not the operator's three; and one failed delivery does not disable it yet.
    expect(await h.attempts(first.delivery_id)).toHaveLength(own.length + 1);
    await pollUntil(async () => (await webhookRow()).consecutive_failures === 1);
    expect(await webhookRow()).toMatchObject({ active: true });

    const second = await h.task(row.id);
    await pollUntil(async () => (await webhookRow()).active === false, {
      timeoutMs: 15_000,
      message: 'disabled after its own threshold',
    });
    expect(await webhookRow()).toMatchObject({
      disabled_reason: '2 consecutive failed deliveries',
    });
    expect(failing.forEvent(second.event.id)).toHaveLength(own.length + 1);
  });

  it("should send the webhook's own headers on every attempt, never over the signature headers", async () => {
    const { row } = await h.webhook({
      url: other.url,
      headers: { Authorization: 'Bearer receiver-token', 'X-Tenant': 'acme' },
    });
    const task = await h.task(row.id);
    const [req] = await requestsFor(other, task.event.id, 1);
    expect(req!.headers).toMatchObject({
      authorization: 'Bearer receiver-token',
      'x-tenant': 'acme',
      'webhook-id': task.delivery_id,
    });
    // The log keeps that it was sent, not the credential.
    const [attempt] = await h.waitForAttempts(task.delivery_id, 1);
    expect(attempt!.request_headers).toMatchObject({
      authorization: '[redacted]',
      'x-tenant': '[redacted]',
    });
  });
});
