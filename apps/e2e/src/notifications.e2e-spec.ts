import {
  LoopbackReceiver,
  MailCatcher,
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
  let smtp: MailCatcher;
  const receivers: LoopbackReceiver[] = [];
  const newReceiver = async () => {
    const r = await LoopbackReceiver.start();
    receivers.push(r);
    return r;
  };

  beforeAll(async () => {
    smtp = await MailCatcher.start();
    hl = await startHooklineProcesses({
      extraEnv: {
        HOOKLINE_SMTP_URL: smtp.url,
        HOOKLINE_MAIL_FROM: 'Hookline <alerts@hookline.test>',
      },
    });
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
    await smtp?.close();
  });

  it('should deliver webhook.disabled, signed, to the webhook of the project subscribed to it, and mail its notification address, when an endpoint fails until disabled', async () => {
    const project = await admin.projects.create('Failing');
    const client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
    const failing = await newReceiver();
    failing.answer({ status: 500 });
    const watcher = await newReceiver();
    await client.notifications.set(['oncall@example.com']);
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

    const [mail] = await pollUntil(
      () => smtp.to('oncall@example.com').length > 0 && smtp.to('oncall@example.com'),
      { timeoutMs: 30_000, message: 'the webhook.disabled mail' },
    );
    expect(mail!.subject).toBe(`[Hookline] Webhook ${broken.id} disabled in project "Failing"`);
    expect(mail!.text).toContain(`Webhook: ${broken.id} (${failing.url})`);
    expect(mail!.text).toMatch(/Reason: +.*fail/);
  });
});
