import {
  LoopbackReceiver,
  pollUntil,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';
import { HooklineClient } from '@hookline/sdk';
import { createEventPublisher, type EventPublisher } from '@hookline/producer';
import { constructEvent } from '@hookline/signing';

const member = {
  project_id: 'p',
  user_id: 'u_1',
  email: 'ada@example.com',
  role: 'developer' as const,
};

describe('Telling people when their endpoint fails', () => {
  let hl: HooklineProcesses;
  let publisher: EventPublisher;
  let admin: HooklineClient;
  const receivers: LoopbackReceiver[] = [];
  const newReceiver = async () => {
    const r = await LoopbackReceiver.start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    hl = await startHooklineProcesses();
    publisher = createEventPublisher({
      brokers: hl.topics.brokers,
      clientId: 'e2e-notifications',
      topicPrefix: hl.topics.prefix,
    });
    admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
  });
  afterAll(async () => {
    await publisher?.disconnect();
    await Promise.all(receivers.map((r) => r.close()));
    await hl?.stop();
  });

  it('should deliver webhook.disabled, signed, to the webhook of the project subscribed to it when an endpoint fails until disabled', async () => {
    const project = await admin.projects.create('Failing');
    const client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
    const failing = await newReceiver();
    failing.answer({ status: 500 });
    const watcher = await newReceiver();
    const broken = await client.webhooks.create(failing.url, ['project.member.*']);
    const ops = await client.webhooks.create(watcher.url, ['webhook.disabled']);

    await publisher.publish('project.member.created', member, { projectId: project.id });

    const req = await pollUntil(
      () =>
        watcher.requests.find((r) => {
          const body = JSON.parse(r.body) as { event: string; data: { webhook_id?: string } };
          return body.event === 'webhook.disabled' && body.data.webhook_id === broken.id;
        }),
      { timeoutMs: 45_000, message: 'webhook.disabled delivered to the watching webhook' },
    );
    const event = await constructEvent(req.body, req.headers as Record<string, string>, ops.secret);
    expect(event).toEqual({
      id: expect.stringMatching(/^evt_/),
      webhook_id: ops.id,
      project_id: project.id,
      event: 'webhook.disabled',
      occurred_at: expect.any(String),
      data: { webhook_id: broken.id, reason: expect.stringMatching(/fail/) },
    });
    // The watcher is subscribed to webhook.disabled only: no project event, no delivery.dead.
    expect(watcher.requests.every((r) => JSON.parse(r.body).event === 'webhook.disabled')).toBe(
      true,
    );
  });
});
