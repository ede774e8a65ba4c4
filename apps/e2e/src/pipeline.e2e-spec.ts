import { context, trace } from '@opentelemetry/api';
import { Client } from 'pg';
import {
  LoopbackReceiver,
  TopicCollector,
  pollUntil,
  startHooklineProcesses,
  type HooklineProcesses,
  type ReceivedRequest,
} from '@hookline/testing';
import { HooklineClient } from '@hookline/sdk';
import { createEventPublisher, type EventPublisher } from '@hookline/producer';
import { constructEvent, verify } from '@hookline/signing';
import { startTracing, tracer } from '@hookline/telemetry';

const metrics = (container: string) => ({
  deployment_id: 'dep_1',
  project_id: 'ignored',
  container_id: container,
  metrics: {
    memory_usage_percent: 41.5,
    memory_usage_bytes: 445_644_800,
    cpu_usage_percent: 12.25,
  },
});
const member = {
  project_id: 'p',
  user_id: 'u_1',
  email: 'ada@example.com',
  role: 'developer' as const,
};

/** Headers of a received request as a plain object for the verifier. */
const headersOf = (r: ReceivedRequest) => r.headers as Record<string, string>;

describe('Hookline end to end', () => {
  let hl: HooklineProcesses;
  let publisher: EventPublisher;
  let admin: HooklineClient;
  const receivers: LoopbackReceiver[] = [];

  const newProject = async (name: string) => {
    const project = await admin.projects.create(name);
    return { project, client: new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key }) };
  };
  const newReceiver = async () => {
    const r = await LoopbackReceiver.start();
    receivers.push(r);
    return r;
  };
  const received = (r: LoopbackReceiver, eventId: string, n = 1, timeoutMs = 30_000) =>
    pollUntil(() => r.forEvent(eventId).length >= n && r.forEvent(eventId), {
      timeoutMs,
      message: `${n} deliveries of ${eventId}`,
    });
  /** Publishes `after` and waits for it, so that anything published before it to the same webhook would have arrived. */
  const fence = async (r: LoopbackReceiver, projectId: string) => {
    const { id } = await publisher.publish('project.member.created', member, { projectId });
    await received(r, id);
  };

  beforeAll(async () => {
    startTracing('hookline-e2e');
    hl = await startHooklineProcesses();
    publisher = createEventPublisher({
      brokers: hl.topics.brokers,
      clientId: 'e2e',
      topicPrefix: hl.topics.prefix,
    });
    admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
  });
  afterAll(async () => {
    await publisher?.disconnect();
    await Promise.all(receivers.map((r) => r.close()));
    await hl?.stop();
  });

  it('should deliver a published event, signed, with the exact envelope, continuing the trace', async () => {
    const { project, client } = await newProject('Deliver');
    const r = await newReceiver();
    const hook = await client.webhooks.create(r.url, [
      'ignite.deployment.container.*',
      'project.member.*',
    ]);
    const span = tracer('e2e').startSpan('product action');
    const { id } = await context.with(trace.setSpan(context.active(), span), () =>
      publisher.publish('ignite.deployment.container.metrics_update', metrics('ctr_1'), {
        projectId: project.id,
      }),
    );
    span.end();
    const [req] = await received(r, id);
    const event = await constructEvent(req!.body, headersOf(req!), hook.secret);
    expect(event).toEqual({
      id,
      webhook_id: hook.id,
      project_id: project.id,
      event: 'ignite.deployment.container.metrics_update',
      occurred_at: expect.any(String),
      data: metrics('ctr_1'),
    });
    expect(Object.keys(JSON.parse(req!.body))).toEqual([
      'id',
      'webhook_id',
      'project_id',
      'event',
      'occurred_at',
      'data',
    ]);
    expect(req!.headers['webhook-id']).toMatch(/^msg_/);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['user-agent']).toMatch(/^Hookline\//);
    const traceId = span.spanContext().traceId;
    expect(req!.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('should deliver only subscribed types and keep projects apart', async () => {
    const a = await newProject('A');
    const b = await newProject('B');
    const ra = await newReceiver();
    const rb = await newReceiver();
    await a.client.webhooks.create(ra.url, ['project.member.*']);
    await b.client.webhooks.create(rb.url, ['*']);
    const unsubscribed = await publisher.publish(
      'ignite.deployment.container.metrics_update',
      metrics('ctr_2'),
      { projectId: a.project.id },
    );
    const ofA = await publisher.publish('project.member.created', member, {
      projectId: a.project.id,
    });
    await received(ra, ofA.id);
    await fence(ra, a.project.id);
    expect(ra.forEvent(unsubscribed.id)).toHaveLength(0);
    await fence(rb, b.project.id);
    expect(rb.forEvent(ofA.id)).toHaveLength(0);
    expect(rb.forEvent(unsubscribed.id)).toHaveLength(0);
  });

  it('should sign with both secrets during a rotation, and only the new one after a rotation without transition', async () => {
    const { project, client } = await newProject('Rotate');
    const r = await newReceiver();
    const hook = await client.webhooks.create(r.url, ['project.member.*']);
    const rotated = await client.webhooks.rotateSecret(hook.id, 2);
    // The dispatcher follows the changelog: publish until a delivery carries `count` signatures.
    const deliveryWithSignatures = (count: number) =>
      pollUntil(
        async () => {
          const { id } = await publisher.publish('project.member.created', member, {
            projectId: project.id,
          });
          const [req] = await received(r, id);
          return String(req!.headers['webhook-signature']).split(' ').length === count && req;
        },
        { timeoutMs: 30_000, intervalMs: 200, message: `${count} signature(s)` },
      );
    const both = await deliveryWithSignatures(2);
    await verify(both.body, headersOf(both), hook.secret);
    await verify(both.body, headersOf(both), rotated.secret);

    const second = await client.webhooks.rotateSecret(hook.id, 0);
    const single = await deliveryWithSignatures(1);
    await verify(single.body, headersOf(single), second.secret);
    await expect(verify(single.body, headersOf(single), rotated.secret)).rejects.toThrow(
      'Invalid signature',
    );
    await expect(verify(single.body, headersOf(single), hook.secret)).rejects.toThrow(
      'Invalid signature',
    );
  });

  it('should start no delivery after DELETE returned', async () => {
    const { project, client } = await newProject('Delete');
    const r = await newReceiver();
    const hook = await client.webhooks.create(r.url, ['*']);
    await fence(r, project.id);
    await client.webhooks.delete(hook.id);
    const deletedAt = Date.now();
    const late = Array.from({ length: 5 }, () =>
      publisher.publish('project.member.created', member, { projectId: project.id }),
    );
    await Promise.all(late);
    // A second webhook of the same project shows when the events have gone through the pipeline.
    const witness = await newReceiver();
    await client.webhooks.create(witness.url, ['*']);
    await fence(witness, project.id);
    expect(r.requests.filter((x) => x.receivedAt > deletedAt)).toHaveLength(0);
  });

  it('should retry to success with the same webhook-id', async () => {
    const { project, client } = await newProject('Retry');
    const r = await newReceiver();
    let calls = 0;
    r.answer(() => (++calls <= 2 ? { status: 500, body: 'try later' } : { status: 200 }));
    await client.webhooks.create(r.url, ['*']);
    const { id } = await publisher.publish('project.member.created', member, {
      projectId: project.id,
    });
    const reqs = await received(r, id, 3);
    expect(new Set(reqs.map((x) => x.headers['webhook-id'])).size).toBe(1);
    expect(new Set(reqs.map((x) => x.headers['webhook-timestamp'])).size).toBeGreaterThanOrEqual(1);
    const deliveryId = String(reqs[0]!.headers['webhook-id']);
    const delivery = await pollUntil(async () => {
      const d = await client.deliveries.get(deliveryId);
      return d.status === 'succeeded' && d;
    });
    expect(delivery.attempts).toBe(3);
    // Born when its event reached hookline.events (the time every retry carried): before its
    // first attempt, and filed in that day's partition of the log.
    expect(Date.parse(delivery.created_at)).toBeLessThanOrEqual(
      Date.parse(delivery.attempts_log[0]!.started_at),
    );
    const db = new Client({ connectionString: hl.db.url });
    await db.connect();
    try {
      const { rows } = await db.query(
        `select tableoid::regclass::text as partition from deliveries where id = $1
         union all select tableoid::regclass::text from delivery_attempts where delivery_id = $1`,
        [deliveryId],
      );
      const day = delivery.created_at.slice(0, 10).replaceAll('-', '');
      expect(rows.map((r) => r.partition)).toEqual([
        `deliveries_p${day}`,
        ...Array(3).fill(`delivery_attempts_p${day}`),
      ]);
    } finally {
      await db.end();
    }
  });

  it('should dead-letter after the last retry, mark failed, disable the webhook and say so', async () => {
    const operational = await TopicCollector.start(hl.topics.kafka, [
      hl.topics.topics.operational,
      hl.topics.topics.deliveriesDlq,
    ]);
    try {
      const { project, client } = await newProject('Dead');
      const r = await newReceiver();
      r.answer({ status: 500 });
      const hook = await client.webhooks.create(r.url, ['*']);
      const { id } = await publisher.publish('project.member.created', member, {
        projectId: project.id,
      });
      const reqs = await received(r, id, 4, 45_000);
      const deliveryId = String(reqs[0]!.headers['webhook-id']);
      await pollUntil(async () => (await client.deliveries.get(deliveryId)).status === 'failed', {
        timeoutMs: 30_000,
      });
      const disabled = await pollUntil(async () => {
        const w = await client.webhooks.get(hook.id);
        return !w.active && w;
      });
      expect(disabled.disabled_reason).toMatch(/fail/);
      await operational.waitFor((m) =>
        m.some(
          (x) =>
            x.topic === hl.topics.topics.operational &&
            JSON.parse(x.value).event === 'webhook.disabled' &&
            JSON.parse(x.value).data.webhook_id === hook.id,
        ),
      );
      await operational.waitFor((m) =>
        m.some((x) => x.topic === hl.topics.topics.deliveriesDlq && x.key === hook.id),
      );
      expect(reqs).toHaveLength(4);
    } finally {
      await operational.stop();
    }
  });

  it('should redeliver on request and answer a test ping with its result', async () => {
    const { project, client } = await newProject('Redeliver');
    const r = await newReceiver();
    const hook = await client.webhooks.create(r.url, ['*']);
    const { id } = await publisher.publish('project.member.created', member, {
      projectId: project.id,
    });
    const [first] = await received(r, id);
    const deliveryId = String(first!.headers['webhook-id']);
    await pollUntil(async () => (await client.deliveries.get(deliveryId)).status === 'succeeded');
    await client.deliveries.redeliver(deliveryId);
    const both = await received(r, id, 2);
    expect(both[1]!.headers['webhook-id']).toBe(deliveryId);

    const ping = await client.webhooks.test(hook.id);
    expect(ping).toMatchObject({ response_status: 200 });
    const pings = r.requests.filter((x) => JSON.parse(x.body).event === 'webhook.ping');
    expect(pings).toHaveLength(1);
    await verify(pings[0]!.body, headersOf(pings[0]!), hook.secret);
  });

  it('should make HTTP ingest idempotent on the event id', async () => {
    const { client } = await newProject('Ingest');
    const r = await newReceiver();
    await client.webhooks.create(r.url, ['project.member.*']);
    const first = await client.events.publish('project.member.created', member, {
      id: 'evt_e2e_idempotent_1',
    });
    const again = await client.events.publish('project.member.created', member, {
      id: 'evt_e2e_idempotent_1',
    });
    expect(again.id).toBe(first.id);
    await received(r, first.id);
    const next = await client.events.publish('project.member.updated', {
      ...member,
      role: 'admin',
    });
    await received(r, next.id);
    expect(r.forEvent(first.id)).toHaveLength(1);
  });
});
