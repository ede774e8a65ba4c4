import { LoopbackReceiver, pollUntil } from '@hookline/testing';
import { DispatcherHarness } from '../testing/dispatcher-harness';
import { DeliveryService } from './delivery.service';

/** A webhook pointed straight at a Slack or Discord incoming-webhook URL gets their message shape. */
describe(`${DeliveryService.name} payload formats`, () => {
  let h: DispatcherHarness;
  let receiver: LoopbackReceiver;

  beforeAll(async () => {
    receiver = await LoopbackReceiver.start();
    h = await DispatcherHarness.start();
  });
  afterAll(async () => {
    await h?.stop();
    await receiver?.close();
  });

  const deployed = {
    event: 'deployment.completed',
    data: { site_name: 'my-nextjs-app', duration_seconds: 12.5, commit_message: 'feat: x' },
  };

  async function bodyFor(format: 'slack' | 'discord') {
    const { row } = await h.webhook({ url: receiver.url, format });
    const task = await h.task(row.id, { event: deployed });
    const req = await pollUntil(
      () => receiver.requests.find((r) => r.body.includes(task.event.id)),
      { message: `${format} message for ${task.event.id}` },
    );
    const [attempt] = await h.waitForAttempts(task.delivery_id, 1);
    expect(attempt!.response_status).toBe(200);
    return { body: JSON.parse(req.body), task };
  }

  it('should POST a Slack message for a webhook of format slack', async () => {
    const { body, task } = await bodyFor('slack');
    expect(body.text).toBe(`deployment.completed (${task.event.id})`);
    expect(body.blocks[0].text.text).toBe('deployment.completed');
    expect(body).not.toHaveProperty('data');
  });

  it("should POST the brief's Discord embed for a webhook of format discord", async () => {
    const { body, task } = await bodyFor('discord');
    expect(body.embeds[0]).toMatchObject({
      title: 'deployment.completed',
      color: 0x22c55e,
      timestamp: task.event.occurred_at,
    });
    expect(body.embeds[0].fields).toContainEqual({
      name: 'site_name',
      value: 'my-nextjs-app',
      inline: true,
    });
  });
});
