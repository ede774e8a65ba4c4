import type { DataSource } from 'typeorm';
import {
  LoopbackReceiver,
  TopicCollector,
  pollUntil,
  startHooklineProcesses,
  type HooklineProcesses,
} from '@hookline/testing';
import { HooklineApiError, HooklineClient, type Recovery, type Webhook } from '@hookline/sdk';
import { createEventPublisher, type EventPublisher } from '@hookline/producer';
import { createDataSource } from '@hookline/persistence';
import type { DeliveryTask } from '@hookline/contracts';

const member = {
  project_id: 'p',
  user_id: 'u_1',
  email: 'ada@example.com',
  role: 'developer' as const,
};

/**
 * "Let them recover what they missed": an endpoint fails until its webhook is disabled, events
 * published meanwhile are recorded as skipped, and once it is enabled again one recover call
 * sends each missed event exactly once, in order.
 */
describe('Recovering what an endpoint missed, end to end', () => {
  let hl: HooklineProcesses;
  let publisher: EventPublisher;
  let client: HooklineClient;
  let projectId: string;
  let receiver: LoopbackReceiver;
  let tasks: TopicCollector;
  let db: DataSource;
  let hook: Webhook;
  let since: string;
  /** Events in the order published: the one that failed, then those published while disabled. */
  const missed: string[] = [];

  let clock = 0;
  /** Each event a later occurred_at than the one before, so their order is unambiguous. */
  const publish = async (type: 'project.member.created' | 'project.member.updated') => {
    clock = Math.max(Date.now(), clock + 1);
    return (await publisher.publish(type, member, { projectId, occurredAt: new Date(clock) })).id;
  };
  const requestsOf = (eventId: string) => receiver.forEvent(eventId).length;
  const finished = (id: string) =>
    pollUntil(
      async () => {
        const r = await client.recoveries.get(id);
        return r.status !== 'running' && r;
      },
      { timeoutMs: 30_000, message: `recovery ${id} finished` },
    );
  /** Publishes an event and waits for it, so that anything sent before it has arrived. */
  const fence = async () => {
    const id = await publish('project.member.created');
    await pollUntil(() => requestsOf(id) >= 1, { timeoutMs: 30_000, message: 'fence delivered' });
  };
  const apiError = async (call: Promise<unknown>): Promise<HooklineApiError> => {
    const e = await call.then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(e instanceof HooklineApiError))
      throw new Error(`expected an API error, got ${String(e)}`);
    return e;
  };

  beforeAll(async () => {
    hl = await startHooklineProcesses({ logPrefix: 'recover' });
    publisher = createEventPublisher({
      brokers: hl.topics.brokers,
      clientId: 'e2e-recover',
      topicPrefix: hl.topics.prefix,
    });
    const admin = new HooklineClient({ baseUrl: hl.apiUrl, adminToken: hl.adminToken });
    const project = await admin.projects.create('Recover');
    projectId = project.id;
    client = new HooklineClient({ baseUrl: hl.apiUrl, apiKey: project.api_key });
    receiver = await LoopbackReceiver.start();
    tasks = await TopicCollector.start(hl.topics.kafka, [hl.topics.topics.deliveries]);
    db = createDataSource({ url: hl.db.url, poolSize: 2, applicationName: 'recover-e2e' });
    await db.initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await tasks?.stop();
    await publisher?.disconnect();
    await receiver?.close();
    await hl?.stop();
  });

  it('should record events published while the webhook is disabled as skipped, sent nowhere and not counted as failures', async () => {
    receiver.answer({ status: 500 });
    since = new Date(Date.now() - 1000).toISOString();
    hook = await client.webhooks.create(receiver.url, ['project.member.*']);
    missed.push(await publish('project.member.created'));
    await pollUntil(async () => !(await client.webhooks.get(hook.id)).active, {
      timeoutMs: 45_000,
      message: 'webhook disabled after its delivery failed',
    });
    for (let i = 0; i < 5; i++)
      missed.push(await publish(i % 2 ? 'project.member.updated' : 'project.member.created'));

    const skipped = await pollUntil(
      async () => {
        const page = await client.deliveries.page(hook.id, { status: 'skipped' });
        return page.data.length === 5 && page.data;
      },
      { timeoutMs: 30_000, message: '5 skipped deliveries' },
    );
    expect(skipped.map((d) => d.event_id).sort()).toEqual(missed.slice(1).sort());
    expect(skipped.every((d) => d.attempts === 0)).toBe(true);
    for (const id of missed.slice(1)) expect(requestsOf(id)).toBe(0);
    const stats = await client.stats.webhook(hook.id, '1h');
    expect(stats.totals.failed).toBe(1);
  });

  it('should refuse to recover a disabled webhook (409) and name the bad field of a bad window (400)', async () => {
    expect((await apiError(client.recoveries.recover(hook.id, { since }))).status).toBe(409);
    const cases: [Record<string, unknown>, string][] = [
      [{ since: 'yesterday' }, 'since'],
      [{}, 'since'],
      [{ since, until: 'soon' }, 'until'],
      [{ since, until: new Date(Date.parse(since) - 60_000).toISOString() }, 'until'],
      [{ since: new Date(Date.now() + 3_600_000).toISOString() }, 'since'],
      [{ since: new Date(Date.now() - 400 * 86_400_000).toISOString() }, 'since'],
      [{ since, extra: 1 }, 'extra'],
    ];
    await client.webhooks.update(hook.id, { active: true });
    try {
      for (const [body, field] of cases) {
        const e = await apiError(client.recoveries.recover(hook.id, body as never));
        expect([e.status, e.details.map((d) => d.field)]).toEqual([400, [field]]);
      }
      const e = await apiError(client.recoveries.redeliver({ status: 'pending' as never, since }));
      expect([e.status, e.details.map((d) => d.field)]).toEqual([400, ['status']]);
      expect((await apiError(client.recoveries.recover('wh_unknown', { since }))).status).toBe(404);
      expect((await apiError(client.recoveries.get('rec_unknown'))).status).toBe(404);
    } finally {
      await client.webhooks.update(hook.id, { active: false });
    }
  });

  it('should, once re-enabled, send each missed event exactly once, in order, and nothing more when asked again', async () => {
    receiver.answer({ status: 200 });
    const before = new Map(missed.map((id) => [id, requestsOf(id)]));
    await client.webhooks.update(hook.id, { active: true });

    const recovery = await client.recoveries.recover(hook.id, { since });
    expect(recovery).toMatchObject({ webhook_id: hook.id, total: 6 });
    const done = await finished(recovery.id);
    expect(done).toMatchObject({ status: 'done', total: 6, sent: 6, error: null });
    await pollUntil(() => missed.every((id) => requestsOf(id) > before.get(id)!), {
      timeoutMs: 30_000,
      message: 'every missed event delivered',
    });
    // An endpoint has the request before the log has its row, and the wider window below reads the log.
    await pollUntil(
      async () => {
        for (const id of missed) {
          const [d] = (await client.events.deliveries(id)).data;
          if (d?.status !== 'succeeded') return false;
        }
        return true;
      },
      { timeoutMs: 30_000, message: 'every missed delivery logged as succeeded' },
    );

    // The same request again (or a retry of it) answers the same recovery and sends nothing.
    const again = await client.recoveries.recover(hook.id, { since });
    expect(again).toMatchObject({ id: recovery.id, status: 'done', sent: 6 });
    // Another window over the same deliveries finds nothing left to send: they all succeeded.
    const wider = await client.recoveries.recover(hook.id, {
      since: new Date(Date.parse(since) - 60_000).toISOString(),
    });
    expect(wider.id).not.toBe(recovery.id);
    expect(await finished(wider.id)).toMatchObject({ status: 'done', total: 0, sent: 0 });
    await fence();
    for (const id of missed) expect(requestsOf(id) - before.get(id)!).toBe(1);

    // Sent in the order of the events (the dispatcher then sends them concurrently).
    const redelivered = await pollUntil(() => {
      const ids = tasks
        .json<DeliveryTask>()
        .filter((t) => t.webhook_id === hook.id && t.manual)
        .map((t) => t.event.id);
      return ids.length >= missed.length && ids;
    });
    expect(redelivered).toEqual(missed);
    for (const id of missed) {
      const [d] = (await client.events.deliveries(id)).data;
      expect(d).toMatchObject({ webhook_id: hook.id, status: 'succeeded' });
    }
  });

  it('should list published events by type and time, a page at a time, and which webhooks got one', async () => {
    const other = await client.webhooks.create(receiver.url, ['project.member.updated']);
    const both = await publish('project.member.updated');
    await pollUntil(() => requestsOf(both) >= 2, { timeoutMs: 30_000, message: 'both got it' });

    const updated = await pollUntil(async () => {
      const all = [];
      for await (const e of client.events.list({ type: 'project.member.updated', limit: 2 }))
        all.push(e);
      return all.length === 3 && all;
    });
    expect(updated.map((e) => e.id)).toEqual([both, missed[4], missed[2]]);
    expect(updated.every((e) => e.type === 'project.member.updated')).toBe(true);
    const first = await client.events.page({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await client.events.page({ limit: 2, cursor: first.next_cursor! });
    expect(second.data.map((e) => e.id)).not.toContain(first.data[0]!.id);

    const window = await client.events.page({ since, until: updated[1]!.occurred_at });
    expect(window.data.map((e) => e.id).reverse()).toEqual(missed.slice(0, 4));
    expect(window.data.every((e) => e.occurred_at < updated[1]!.occurred_at)).toBe(true);

    const deliveries = await pollUntil(async () => {
      const page = await client.events.deliveries(both);
      return page.data.every((d) => d.status === 'succeeded') && page.data.length === 2 && page;
    });
    expect(deliveries.data.map((d) => d.webhook_id).sort()).toEqual([hook.id, other.id].sort());

    expect((await apiError(client.events.deliveries('evt_unknown'))).status).toBe(404);
    const bad = await apiError(client.events.page({ since: 'yesterday' }));
    expect([bad.status, bad.details.map((d) => d.field)]).toEqual([400, ['since']]);
    const order = await apiError(client.events.page({ since, until: since }));
    expect([order.status, order.details.map((d) => d.field)]).toEqual([400, ['until']]);
    await client.webhooks.delete(other.id);
  });

  it('should redeliver by filter, reusing the recovery machinery', async () => {
    const before = new Map(missed.map((id) => [id, requestsOf(id)]));
    const job = await client.recoveries.redeliver({
      webhook_id: hook.id,
      status: 'succeeded',
      event_type: 'project.member.updated',
      since,
      until: new Date().toISOString(),
    });
    expect(job).toMatchObject({ statuses: ['succeeded'], event_type: 'project.member.updated' });
    const done = await finished(job.id);
    // missed[2] and missed[4], and the event both webhooks got
    expect(done).toMatchObject({ status: 'done', total: 3, sent: 3 });
    await pollUntil(() => requestsOf(missed[2]!) > before.get(missed[2]!)!, { timeoutMs: 30_000 });
    await fence();
    expect(missed.map((id) => requestsOf(id) - before.get(id)!)).toEqual([0, 0, 1, 0, 1, 0]);
  });

  it('should resume a recovery where it was after the registry restarts', async () => {
    await hl.kill('registry', 'SIGKILL');
    // A job a registry was working when it died, three deliveries in (in the log's order).
    const rows = (await db.query(
      `select event_id as "eventId", (extract(epoch from created_at) * 1000000)::bigint::text as us, id
       from deliveries where webhook_id = $1 and event_id = any($2) order by created_at, id`,
      [hook.id, missed],
    )) as { eventId: string; us: string; id: string }[];
    const [at, last] = [rows[2]!, rows[rows.length - 1]!];
    await db.query(
      `insert into recovery_jobs (id, project_id, webhook_id, request_key, statuses, since, until, status, total, sent, after_us, after_id)
       values ('rec_resumed', $1, $2, 'resume-test', '{succeeded}', $3,
         timestamptz 'epoch' + ($6::bigint + 1000) * interval '1 microsecond', 'running', 6, 3, $4, $5)`,
      [projectId, hook.id, since, at.us, at.id, last.us],
    );
    const before = new Map(missed.map((e) => [e, requestsOf(e)]));
    await hl.start('registry');
    const done: Recovery = await finished('rec_resumed');
    expect(done).toMatchObject({ status: 'done', sent: 6 });
    await fence();
    const rest = new Set(rows.slice(3).map((r) => r.eventId));
    expect(missed.map((e) => requestsOf(e) - before.get(e)!)).toEqual(
      missed.map((e) => (rest.has(e) ? 1 : 0)),
    );
  });
});
