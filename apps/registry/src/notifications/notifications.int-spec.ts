import type { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { OperationalEvents } from '@hookline/contracts';
import { MailCatcher, pollUntil } from '@hookline/testing';
import { startRegistry, type RegistryHarness, type SharedStack } from '../testing/registry-harness';
import { DeadDeliveryDigestJob } from './dead-delivery-digest.job';
import { NotificationsController } from './notifications.controller';

const HOUR = 3_600_000;

describe(NotificationsController.name, () => {
  let smtp: MailCatcher;
  let r: RegistryHarness & SharedStack;
  let producer: Producer;

  const project = async (name: string, emails: string[]) => {
    const p = await r.project(name);
    const put = await r.call('PUT', '/v1/notifications', { token: p.apiKey, body: { emails } });
    expect(put.status).toBe(200);
    return p;
  };
  const webhook = async (apiKey: string, url: string) =>
    (
      await r.call('POST', '/v1/webhooks', {
        token: apiKey,
        body: { url, events: ['project.*'] },
      })
    ).body as { id: string; url: string };
  const disable = (apiKey: string, id: string) =>
    r.call('PATCH', `/v1/webhooks/${id}`, { token: apiKey, body: { active: false } });
  const dead = (projectId: string, webhookId: string, n: number, at = new Date()) =>
    producer.send({
      topic: r.topics.topics.operational,
      messages: [
        OperationalEvents.deliveryDead(
          projectId,
          {
            webhookId,
            deliveryId: `msg_dead${n}`,
            eventId: `evt_dead${n}`,
            eventType: 'project.updated',
            attempts: 4,
            lastError: `HTTP 503 number ${n}`,
          },
          at,
        ),
      ],
    });
  const pending = async (projectId: string) => {
    const rows: unknown[] = await r.app
      .get(DataSource)
      .query('select 1 from notification_dead_deliveries where project_id = $1', [projectId]);
    return rows.length;
  };

  beforeAll(async () => {
    smtp = await MailCatcher.start();
    r = await startRegistry({
      HOOKLINE_SMTP_URL: smtp.url,
      HOOKLINE_MAIL_FROM: 'Hookline alerts <alerts@hookline.test>',
      HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR: '2',
      HOOKLINE_MAIL_DIGEST_INTERVAL: '1h',
    });
    producer = r.topics.kafka.producer();
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await r?.close();
    await smtp?.close();
  });

  it('should answer the defaults, then the addresses and events put, for its own project only', async () => {
    const a = await r.project('Settings A');
    const b = await r.project('Settings B');
    const initial = await r.call('GET', '/v1/notifications', { token: a.apiKey });
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({
      emails: [],
      events: ['webhook.disabled', 'delivery.dead'],
      mail_enabled: true,
    });
    const put = await r.call('PUT', '/v1/notifications', {
      token: a.apiKey,
      body: {
        emails: ['ops@example.com', 'OPS@example.com', 'dev+hooks@example.org'],
        events: ['webhook.disabled', 'webhook.enabled'],
      },
    });
    expect(put.status).toBe(200);
    expect(put.body.emails).toEqual(['ops@example.com', 'dev+hooks@example.org']);
    expect((await r.call('GET', '/v1/notifications', { token: a.apiKey })).body).toEqual(put.body);
    expect((await r.call('GET', '/v1/notifications', { token: b.apiKey })).body.emails).toEqual([]);
    expect((await r.call('GET', '/v1/notifications')).status).toBe(401);
  });

  it.each([
    ['a bad address', { emails: ['not-an-address'] }, 'emails[0]'],
    ['a NUL in an address', { emails: ['ops\u0000@example.com'] }, 'emails[0]'],
    ['a header injection', { emails: ['ops@example.com\r\nBcc: x@evil.test'] }, 'emails[0]'],
    ['a huge list', { emails: Array.from({ length: 10_000 }, (_, i) => `u${i}@x.io`) }, 'emails'],
    ['an address past 254 characters', { emails: [`${'a'.repeat(250)}@x.io`] }, 'emails[0]'],
    ['an unknown event type', { emails: [], events: ['ignite.deployment.created'] }, 'events[0]'],
    ['no emails', { events: ['webhook.disabled'] }, 'emails'],
    ['an unknown field', { emails: [], cc: ['x@y.io'] }, 'cc'],
  ])('should answer 400 naming the field for %s', async (_, body, field) => {
    const { apiKey } = await r.project('Hostile');
    const res = await r.call('PUT', '/v1/notifications', { token: apiKey, body });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await r.call('GET', '/v1/notifications', { token: apiKey })).body.emails).toEqual([]);
  });

  it('should mail the notification addresses when a webhook is disabled: webhook id, URL, reason, project', async () => {
    const p = await project('Mailed Project', ['oncall@example.com', 'lead@example.com']);
    const w = await webhook(p.apiKey, 'http://127.0.0.1:9/mailed');
    expect((await disable(p.apiKey, w.id)).status).toBe(200);
    const [mail] = await pollUntil(
      () => smtp.to('oncall@example.com').length > 0 && smtp.to('oncall@example.com'),
    );
    expect(mail!.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail!.from).toBe('alerts@hookline.test');
    expect(mail!.subject).toBe(`[Hookline] Webhook ${w.id} disabled in project "Mailed Project"`);
    expect(mail!.text).toContain(`Webhook: ${w.id} (http://127.0.0.1:9/mailed)`);
    expect(mail!.text).toMatch(/Reason: +manual/);
    expect(mail!.text).toContain(p.id);
  });

  it('should mail a project at most HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR times an hour, other projects still', async () => {
    const noisy = await project('Noisy', ['noisy@example.com']);
    const quiet = await project('Quiet', ['quiet@example.com']);
    for (const n of [1, 2, 3]) {
      const w = await webhook(noisy.apiKey, `http://127.0.0.1:9/noisy${n}`);
      await disable(noisy.apiKey, w.id);
    }
    const q = await webhook(quiet.apiKey, 'http://127.0.0.1:9/quiet');
    await disable(quiet.apiKey, q.id);
    await pollUntil(() => smtp.to('quiet@example.com').length === 1);
    await pollUntil(async () => {
      const metrics = await (await fetch(`${r.url}/metrics`)).text();
      return metrics
        .split('\n')
        .some(
          (line) =>
            line.startsWith('hookline_registry_notification_mails_total{') &&
            line.includes('kind="webhook.disabled"') &&
            line.includes('outcome="rate_limited"') &&
            line.endsWith(' 1'),
        );
    });
    expect(smtp.to('noisy@example.com')).toHaveLength(2);
  });

  it('should mail one digest of dead deliveries per interval, even with two replicas running it', async () => {
    const p = await project('Digest Project', ['digest@example.com']);
    const w = await webhook(p.apiKey, 'http://127.0.0.1:9/digest');
    const replica = await startRegistry(
      {
        HOOKLINE_SMTP_URL: smtp.url,
        HOOKLINE_MAIL_MAX_PER_PROJECT_HOUR: '2',
        HOOKLINE_MAIL_DIGEST_INTERVAL: '1h',
      },
      r,
    );
    try {
      await dead(p.id, w.id, 1);
      await dead(p.id, w.id, 2);
      await pollUntil(async () => (await pending(p.id)) === 2);
      const now = new Date(Math.ceil(Date.now() / HOUR) * HOUR + 60_000);
      const jobs = [r, replica].map((x) => x.app.get(DeadDeliveryDigestJob));
      const sent = await Promise.all(jobs.map((j) => j.runOnce(now)));
      expect(sent.reduce((a, b) => a + b, 0)).toBe(1);
      const [digest] = smtp.to('digest@example.com');
      expect(digest!.subject).toBe('[Hookline] 2 dead deliveries in project "Digest Project"');
      expect(digest!.text).toContain(`Webhook ${w.id} (http://127.0.0.1:9/digest)`);
      expect(digest!.text).toContain('msg_dead1');
      expect(digest!.text).toContain('HTTP 503 number 2');
      expect(await pending(p.id)).toBe(0);

      // Another death in the same interval waits for the next one.
      await dead(p.id, w.id, 3);
      await pollUntil(async () => (await pending(p.id)) === 1);
      expect(await jobs[1]!.runOnce(new Date(now.getTime() + 60_000))).toBe(0);
      expect(await jobs[1]!.runOnce(new Date(now.getTime() + HOUR))).toBe(1);
      expect(smtp.to('digest@example.com')).toHaveLength(2);
      expect(smtp.to('digest@example.com')[1]!.text).toContain('msg_dead3');
    } finally {
      await replica.stop();
    }
  });

  it('should keep a dead delivery whose announcement carries NUL, a lone surrogate, a huge error or a non-number', async () => {
    const p = await project('Hostile Dead Project', ['hostile@example.com']);
    const hostile = {
      id: 'evt_hostiledead1',
      project_id: p.id,
      event: 'delivery.dead',
      occurred_at: new Date().toISOString(),
      data: {
        webhook_id: 'wh_hostile\u0000',
        delivery_id: 'msg_hostile\ud800',
        event_id: 'evt_x',
        event_type: 'project.updated',
        attempts: 'many',
        last_error: `boom\u0000\ud800${'x'.repeat(200_000)}`,
      },
    };
    await producer.send({
      topic: r.topics.topics.operational,
      messages: [{ key: p.id, value: JSON.stringify(hostile) }],
    });
    // The group may still be settling after the replica of the test before left it.
    await pollUntil(async () => (await pending(p.id)) === 1, {
      message: 'the hostile death recorded',
      timeoutMs: 45_000,
    });
    const [row] = (await r.app
      .get(DataSource)
      .query(
        'select webhook_id, delivery_id, attempts, length(last_error) as n from notification_dead_deliveries where project_id = $1',
        [p.id],
      )) as { webhook_id: string; delivery_id: string; attempts: number; n: number }[];
    expect(row).toEqual({
      webhook_id: 'wh_hostile\ufffd',
      delivery_id: 'msg_hostile\ufffd',
      attempts: 0,
      n: expect.any(Number),
    });
    expect(row!.n).toBeLessThanOrEqual(4096);
  });

  it('should skip an announcement whose time or project Postgres cannot store, and record the ones after it', async () => {
    const p = await project('After Hostile Project', ['after@example.com']);
    const announcement = (fields: object) =>
      JSON.stringify({
        id: 'evt_hostiletime1',
        project_id: p.id,
        event: 'delivery.dead',
        occurred_at: new Date().toISOString(),
        data: { webhook_id: 'wh_x', delivery_id: 'msg_x', event_id: 'evt_x', attempts: 4 },
        ...fields,
      });
    const after = {
      ...OperationalEvents.deliveryDead(
        p.id,
        {
          webhookId: 'wh_after',
          deliveryId: 'msg_after',
          eventId: 'evt_after',
          eventType: 'project.updated',
          attempts: 4,
          lastError: 'HTTP 503',
        },
        new Date(),
      ),
      partition: 0,
    };
    // One partition: a message that can never be handled would hold every one after it.
    await producer.send({
      topic: r.topics.topics.operational,
      messages: [
        { key: p.id, partition: 0, value: announcement({ occurred_at: '0000-01-01T00:00:00Z' }) },
        { key: p.id, partition: 0, value: announcement({ project_id: 'prj_\u0000' }) },
        after,
      ],
    });
    await pollUntil(async () => (await pending(p.id)) === 1, {
      message: 'the announcement after the hostile ones recorded',
      timeoutMs: 45_000,
    });
  }, 60_000);
});
