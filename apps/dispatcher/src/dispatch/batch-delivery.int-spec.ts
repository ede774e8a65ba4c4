import { Webhook } from 'standardwebhooks';
import { LoopbackReceiver, pollUntil, type ReceivedRequest } from '@hookline/testing';
import type { DeliveryTask } from '@hookline/contracts';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { DeliveryService } from './delivery.service';

interface BatchBody {
  type: string;
  messages: { id: string; event: string }[];
}

/** A batching webhook receives its events gathered in signed `{"type":"messages"}` POSTs. */
describe(`${DeliveryService.name} batched delivery`, () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    h = await DispatcherHarness.start({ disableAfter: 100 });
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
  });

  const messagesOf = (req: ReceivedRequest) =>
    (JSON.parse(req.body) as Partial<BatchBody>).messages ?? [];
  const carrying = (task: DeliveryTask) =>
    receiver.requests.filter((r) => messagesOf(r).some((m) => m.id === task.event.id));

  it('should deliver N events once each in fewer signed POSTs of the messages shape, each logged succeeded', async () => {
    const { row, secret } = await h.webhook({
      url: receiver.url,
      batch: { max_events: 3, max_wait_ms: 300 },
    });
    const from = receiver.requests.length;
    const tasks: DeliveryTask[] = [];
    for (let i = 0; i < 7; i++) tasks.push(await h.task(row.id));
    for (const task of tasks) {
      const [attempt] = await h.waitForAttempts(task.delivery_id, 1);
      expect(attempt!.response_status).toBe(200);
      expect((await h.delivery(task.delivery_id))!.status).toBe('succeeded');
    }
    const posts = receiver.requests.slice(from);
    expect(posts.length).toBeLessThan(tasks.length);
    for (const req of posts) {
      const body = new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      expect(body).toMatchObject({ type: 'messages' });
      expect(messagesOf(req).length).toBeLessThanOrEqual(3);
    }
    const delivered = posts.flatMap(messagesOf).map((m) => m.id);
    expect(delivered.sort()).toEqual(tasks.map((t) => t.event.id).sort());
    for (const task of tasks) expect(await h.attempts(task.delivery_id)).toHaveLength(1);
  });

  it('should retry a failing batch and log every attempt for each of its events', async () => {
    const { row } = await h.webhook({
      url: receiver.url,
      batch: { max_events: 3, max_wait_ms: 200 },
    });
    let failed = false;
    receiver.answer((req) => {
      if (!failed && req.body.includes('"messages"') && messagesOf(req).length === 3) {
        failed = true;
        return { status: 503, body: 'busy' };
      }
      return { status: 200, body: 'ok' };
    });
    try {
      const tasks = [await h.task(row.id), await h.task(row.id), await h.task(row.id)];
      for (const task of tasks) {
        const attempts = await h.waitForAttempts(task.delivery_id, 2);
        expect(attempts.map((a) => a.response_status)).toEqual([503, 200]);
        await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'succeeded', {
          message: `${task.delivery_id} succeeded`,
        });
        // Sent in the failed batch and again in a retry.
        expect(carrying(task)).toHaveLength(2);
      }
    } finally {
      receiver.answer({ status: 200, body: 'ok' });
    }
  });

  it('should send a manual attempt alone, as the usual envelope', async () => {
    const { row } = await h.webhook({
      url: receiver.url,
      batch: { max_events: 10, max_wait_ms: 5000 },
    });
    const task = await h.task(row.id, { manual: true });
    const req = await pollUntil(
      () => receiver.requests.find((r) => r.body.includes(task.event.id)),
      { message: 'the manual attempt', timeoutMs: 3000 },
    );
    expect(JSON.parse(req.body)).toMatchObject({ id: task.event.id, event: task.event.event });
    expect((await h.waitForAttempts(task.delivery_id, 1))[0]!.response_status).toBe(200);
  });
});
