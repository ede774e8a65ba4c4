import { Pool } from 'pg';
import { deliveryId, newId } from '@hookline/contracts';
import { TopicCollector } from '@hookline/testing';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';

/**
 * The delivery log API over rows as the dispatcher writes them, and manual attempts as tasks on
 * the real hookline.deliveries topic. The whole loop with the dispatcher is in apps/e2e.
 */
describe('DeliveriesController', () => {
  let r: RegistryHarness;
  let key: string;
  let projectId: string;
  let tasks: TopicCollector;
  let pg: Pool;

  const webhook = async (token = key) => {
    const res = await r.call('POST', '/v1/webhooks', {
      token,
      body: { url: 'http://127.0.0.1:4000/hook', events: ['*'] },
    });
    return res.body.id as string;
  };

  /** A delivery with `attempts` attempts, the way the dispatcher's attempt log writes it. */
  const seed = async (
    webhookId: string,
    o: { type?: string; status?: string; attempts?: number; createdAt: string },
  ) => {
    const eventId = newId('event');
    const id = deliveryId(eventId, webhookId);
    const type = o.type ?? 'project.updated';
    const attempts = o.attempts ?? 1;
    const event = {
      id: eventId,
      project_id: projectId,
      event: type,
      occurred_at: o.createdAt,
      data: { n: 1 },
    };
    await pg.query(
      `insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, attempts, next_attempt_at, last_error, event, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, null, $8, $9, $10, $10)`,
      [
        id,
        webhookId,
        projectId,
        eventId,
        type,
        o.status ?? 'succeeded',
        attempts,
        o.status === 'failed' ? 'HTTP 500' : null,
        JSON.stringify(event),
        o.createdAt,
      ],
    );
    for (let n = 1; n <= attempts; n++) {
      const ok = n === attempts && o.status !== 'failed';
      await pg.query(
        `insert into delivery_attempts (delivery_id, webhook_id, attempt, trigger, url, request_headers, response_status, response_body, duration_ms, error_class, error, started_at, delivery_created_at)
         values ($1, $2, $3, 'automatic', 'http://127.0.0.1:4000/hook', $4, $5, $6, 12, $7, $8, $9, $9)`,
        [
          id,
          webhookId,
          n,
          JSON.stringify({ 'webhook-id': id }),
          ok ? 200 : 500,
          ok ? 'ok' : 'boom',
          ok ? null : 'http_status',
          ok ? null : 'HTTP 500',
          o.createdAt,
        ],
      );
    }
    return { id, eventId };
  };

  beforeAll(async () => {
    r = await startRegistry();
    ({ id: projectId, apiKey: key } = await r.project());
    tasks = await TopicCollector.start(r.topics.kafka, [r.topics.topics.deliveries]);
    pg = new Pool({ connectionString: r.db.url, max: 2 });
    // pool.end() resolves before its clients' sockets close; the forced drop of the database then
    // terminates them, which an idle client reports as an error event on the pool.
    pg.on('error', () => undefined);
  });
  afterAll(async () => {
    await tasks?.stop();
    await pg?.end();
    await r?.close();
  });

  it('should list newest first across pages and filter by status, event type, event id and time', async () => {
    const wh = await webhook();
    const seeded = [];
    for (let i = 0; i < 5; i++) {
      seeded.push(
        await seed(wh, {
          createdAt: `2026-11-2${i}T10:00:00.000Z`,
          status: i === 1 ? 'failed' : 'succeeded',
          type: i === 2 ? 'project.member.created' : 'project.updated',
        }),
      );
    }
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<RegistryHarness['call']>> = await r.call(
        'GET',
        `/v1/webhooks/${wh}/deliveries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: key },
      );
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((d: { id: string }) => d.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(seeded.map((s) => s.id).reverse());

    const failed = await r.call('GET', `/v1/webhooks/${wh}/deliveries?status=failed`, {
      token: key,
    });
    expect(failed.body.data).toHaveLength(1);
    expect(failed.body.data[0]).toMatchObject({
      id: seeded[1]!.id,
      status: 'failed',
      attempts: 1,
      last_error: 'HTTP 500',
      next_attempt_at: null,
    });
    const byType = await r.call(
      'GET',
      `/v1/webhooks/${wh}/deliveries?event=project.member.created`,
      { token: key },
    );
    expect(byType.body.data.map((d: { id: string }) => d.id)).toEqual([seeded[2]!.id]);
    const byEvent = await r.call(
      'GET',
      `/v1/webhooks/${wh}/deliveries?event=${seeded[3]!.eventId}`,
      { token: key },
    );
    expect(byEvent.body.data.map((d: { id: string }) => d.id)).toEqual([seeded[3]!.id]);
    const window = await r.call(
      'GET',
      `/v1/webhooks/${wh}/deliveries?since=2026-11-21T00:00:00Z&until=2026-11-23T00:00:00Z`,
      { token: key },
    );
    expect(window.body.data.map((d: { id: string }) => d.id)).toEqual([
      seeded[2]!.id,
      seeded[1]!.id,
    ]);
  });

  it("should list the project's deliveries of every webhook, paged and filtered, its own only", async () => {
    const [a, b] = [await webhook(), await webhook()];
    const seeded = [
      await seed(a, { createdAt: '2026-10-01T10:00:01.000Z' }),
      await seed(b, { createdAt: '2026-10-01T10:00:02.000Z', status: 'failed' }),
      await seed(a, { createdAt: '2026-10-01T10:00:03.000Z' }),
    ];
    const window = 'since=2026-10-01T00:00:00Z&until=2026-10-02T00:00:00Z';
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<RegistryHarness['call']>> = await r.call(
        'GET',
        `/v1/deliveries?${window}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { token: key },
      );
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((d: { id: string }) => d.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(seeded.map((s) => s.id).reverse());
    const failed = await r.call('GET', `/v1/deliveries?${window}&status=failed`, { token: key });
    expect(failed.body.data.map((d: { id: string }) => d.id)).toEqual([seeded[1]!.id]);
    const other = await r.project('other');
    const theirs = await r.call('GET', `/v1/deliveries?${window}`, { token: other.apiKey });
    expect(theirs.body.data).toEqual([]);
  });

  it('should answer 400 naming the bad filter, and 404 for a webhook of another project', async () => {
    const wh = await webhook();
    const bad = await r.call('GET', `/v1/webhooks/${wh}/deliveries?status=lost&since=yesterday`, {
      token: key,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'since',
      'status',
    ]);
    const cursor = await r.call('GET', `/v1/webhooks/${wh}/deliveries?cursor=nonsense`, {
      token: key,
    });
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.details[0].field).toBe('cursor');
    const other = await r.project('Other');
    expect(
      (await r.call('GET', `/v1/webhooks/${wh}/deliveries`, { token: other.apiKey })).status,
    ).toBe(404);
  });

  it('should show a delivery with every attempt, to its own project only', async () => {
    const wh = await webhook();
    const d = await seed(wh, { createdAt: '2026-11-22T10:00:00.000Z', attempts: 3 });
    const res = await r.call('GET', `/v1/deliveries/${d.id}`, { token: key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: d.id,
      webhook_id: wh,
      event_id: d.eventId,
      status: 'succeeded',
      attempts: 3,
    });
    expect(
      res.body.attempts_log.map((a: { attempt: number; response_status: number }) => [
        a.attempt,
        a.response_status,
      ]),
    ).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(res.body.attempts_log[0]).toMatchObject({
      trigger: 'automatic',
      error_class: 'http_status',
      response_body: 'boom',
      duration_ms: 12,
      request_headers: { 'webhook-id': d.id },
    });
    expect(res.body.event).toMatchObject({ id: d.eventId, event: 'project.updated' });
    const other = await r.project('Nosy');
    expect((await r.call('GET', `/v1/deliveries/${d.id}`, { token: other.apiKey })).status).toBe(
      404,
    );
    expect((await r.call('GET', '/v1/deliveries/msg_missing', { token: key })).status).toBe(404);
  });

  it('should redeliver as a manual task with the same delivery id and the next attempt number', async () => {
    const wh = await webhook();
    const d = await seed(wh, {
      createdAt: '2026-11-22T11:00:00.000Z',
      attempts: 2,
      status: 'failed',
    });
    const res = await r.call('POST', `/v1/deliveries/${d.id}/redeliver`, { token: key });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ delivery_id: d.id, attempt: 3, status: 'queued' });
    await tasks.waitFor((m) => m.some((x) => JSON.parse(x.value).delivery_id === d.id));
    const sent = tasks.messages.find((x) => JSON.parse(x.value).delivery_id === d.id)!;
    expect(sent.key).toBe(wh);
    expect(sent.headers['hookline-event-type']).toBe('project.updated');
    expect(JSON.parse(sent.value)).toMatchObject({
      delivery_id: d.id,
      webhook_id: wh,
      attempt: 3,
      manual: true,
      event: { id: d.eventId, project_id: projectId },
    });
    expect(
      (
        await r.call('POST', `/v1/deliveries/${d.id}/redeliver`, {
          token: key,
          body: { now: true },
        })
      ).status,
    ).toBe(400);
  });

  it('should refuse a redeliver or a test to a disabled webhook with 409, saying why', async () => {
    const wh = await webhook();
    const d = await seed(wh, { createdAt: '2026-11-22T12:00:00.000Z' });
    await r.call('PATCH', `/v1/webhooks/${wh}`, { token: key, body: { active: false } });
    const redeliver = await r.call('POST', `/v1/deliveries/${d.id}/redeliver`, { token: key });
    expect(redeliver.status).toBe(409);
    expect(redeliver.body.error.message).toMatch(/disabled/);
    expect((await r.call('POST', `/v1/webhooks/${wh}/test`, { token: key })).status).toBe(409);
    await r.call('DELETE', `/v1/webhooks/${wh}`, { token: key });
    expect(
      (await r.call('POST', `/v1/deliveries/${d.id}/redeliver`, { token: key })).body.error.message,
    ).toMatch(/deleted/);
    expect((await r.call('POST', `/v1/webhooks/${wh}/test`, { token: key })).status).toBe(404);
  });

  it('should send webhook.ping as a manual task and answer with the attempt once it is logged', async () => {
    const wh = await webhook();
    const answer = r.call('POST', `/v1/webhooks/${wh}/test`, { token: key });
    const messages = await tasks.waitFor((m) => m.some((x) => x.key === wh));
    const task = JSON.parse(messages.find((x) => x.key === wh)!.value);
    expect(task).toMatchObject({
      webhook_id: wh,
      attempt: 1,
      manual: true,
      event: {
        event: 'webhook.ping',
        project_id: projectId,
        data: { message: expect.any(String) },
      },
    });
    // What the dispatcher writes after the attempt: the row born at the task's time.
    await pg.query(
      `insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, attempts, event, created_at) values ($1, $2, $3, $4, 'webhook.ping', 'succeeded', 1, $5, $6)`,
      [task.delivery_id, wh, projectId, task.event.id, JSON.stringify(task.event), task.created_at],
    );
    await pg.query(
      `insert into delivery_attempts (delivery_id, webhook_id, attempt, trigger, url, request_headers, response_status, response_body, duration_ms, started_at, delivery_created_at)
       values ($1, $2, 1, 'test', 'http://127.0.0.1:4000/hook', '{}', 204, '', 7, now(), $3)`,
      [task.delivery_id, wh, task.created_at],
    );
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      delivery_id: task.delivery_id,
      event_id: task.event.id,
      status: 'succeeded',
      response_status: 204,
      response_body: '',
      duration_ms: 7,
      error_class: null,
      error: null,
    });
  });
});
