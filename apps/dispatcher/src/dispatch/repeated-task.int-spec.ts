import { LoopbackReceiver, pollUntil } from '@hookline/testing';
import type { DeliveryTask } from '@hookline/contracts';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { DeliveryService } from './delivery.service';

/**
 * Two copies of one task read together: after a fan-out crash its replacement produces again the
 * tasks of events it had not committed, and the dispatcher that takes the crashed one's partitions
 * over reads both copies in one fetch.
 */
describe(`${DeliveryService.name} with two copies of a task in hand`, () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    // Slow enough that the second copy is read while the first one's attempt is under way.
    receiver.answer({ status: 200, body: 'ok', delayMs: 300 });
    h = await DispatcherHarness.start({ disableAfter: 100 });
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
  });

  const copy = (task: DeliveryTask) =>
    h.producer.send({
      topic: h.topics.topics.deliveries,
      acks: -1,
      messages: [{ key: task.webhook_id, value: JSON.stringify(task) }],
    });
  const posts = (task: DeliveryTask) =>
    receiver.requests.filter((r) => r.headers['webhook-id'] === task.delivery_id);

  it('should attempt once a task whose copy arrives while its attempt is under way', async () => {
    const dropped = () => h.metric('tasks_dropped_total', { reason: 'copy' });
    const droppedBefore = await dropped();
    const { row } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id);
    await copy(task);
    await h.waitForAttempts(task.delivery_id, 1);
    await new Promise((r) => setTimeout(r, 1000)); // the copy's turn
    expect(posts(task)).toHaveLength(1);
    expect(await h.attempts(task.delivery_id)).toHaveLength(1);
    expect((await h.delivery(task.delivery_id))!.status).toBe('succeeded');
    expect((await dropped()) - droppedBefore).toBe(1);
  });

  it('should not attempt a copy again after the attempt it waited for failed into a retry', async () => {
    const failing = await LoopbackReceiver.start();
    failing.answer({ status: 500, body: 'no', delayMs: 300 });
    try {
      const { row } = await h.webhook({ url: failing.url });
      const task = await h.task(row.id);
      await copy(task);
      // The schedule (200 ms, 400 ms, 600 ms) makes four attempts, then the delivery dies.
      await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'failed', {
        timeoutMs: 20_000,
        message: 'the delivery dead',
      });
      await new Promise((r) => setTimeout(r, 1500)); // a second chain's attempts would come meanwhile
      const sent = failing.requests.filter((r) => r.headers['webhook-id'] === task.delivery_id);
      expect(sent).toHaveLength(4);
      expect((await h.attempts(task.delivery_id)).map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    } finally {
      await failing.close();
    }
  });

  it('should attempt a copy that arrives after its delivery ended no more', async () => {
    const { row } = await h.webhook({ url: receiver.url });
    const task = await h.task(row.id);
    await h.waitForAttempts(task.delivery_id, 1);
    await pollUntil(async () => (await h.delivery(task.delivery_id))?.status === 'succeeded', {
      message: 'delivered',
    });
    await copy(task);
    await new Promise((r) => setTimeout(r, 1000));
    expect(posts(task)).toHaveLength(1);
  });
});
