import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { parseConfig } from '@hookline/config';
import {
  BRIEF_PAYLOADS,
  EventEnvelopeSchema,
  KafkaHeaders,
  newId,
  type EventEnvelope,
} from '@hookline/contracts';
import { settledTopicOffsets } from '@hookline/kafka';
import { startTracing, stopTracing } from '@hookline/telemetry';
import {
  TcpProxy,
  TopicCollector,
  createTestDatabase,
  createTestTopics,
  type TestDatabase,
  type TestTopics,
} from '@hookline/testing';
import { generateApiKey, hashApiKey } from '../auth/api-key.secret';
import { createRegistryApp } from '../registry.app';

const metrics = (container = 'ctr_1') => ({
  deployment_id: 'dep_1',
  project_id: 'acme',
  container_id: container,
  metrics: { memory_usage_percent: 41.5, memory_usage_bytes: 214_748_364, cpu_usage_percent: 12 },
});

describe('EventsController', () => {
  let db: TestDatabase;
  let topics: TestTopics;
  let collector: TopicCollector;
  let app: INestApplication;
  let base: string;
  let pg: Client;
  let projectId: string;
  let apiKey: string;

  const startApp = async (brokers: string[]) => {
    const config = parseConfig({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: brokers.join(','),
      HOOKLINE_TOPIC_PREFIX: topics.prefix,
      HOOKLINE_API_PORT: '0',
      HOOKLINE_LOG_LEVEL: 'silent',
    });
    const instance = await createRegistryApp(config);
    await instance.listen(0, '127.0.0.1');
    return { instance, url: await instance.getUrl() };
  };
  const post = (body: unknown, url = base, headers: Record<string, string> = {}) =>
    fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const highWaterMark = async () => {
    const admin = topics.kafka.admin();
    await admin.connect();
    try {
      const offsets = await settledTopicOffsets(admin, topics.topics.events);
      return offsets.reduce((sum, p) => sum + Number(p.high), 0);
    } finally {
      await admin.disconnect();
    }
  };
  /** Publishes one more event for the project and waits for it: every earlier one is read by then. */
  const settle = async () => {
    const res = await post({
      event: 'ignite.deployment.deleted',
      data: { deployment_id: 'dep_x', project_id: 'acme' },
    });
    const { id } = (await res.json()) as { id: string };
    await collector.waitFor(() =>
      collector.json<EventEnvelope>(projectId).some((e) => e.id === id),
    );
  };
  const published = (id: string) =>
    collector.json<EventEnvelope>(projectId).filter((e) => e.id === id);

  beforeAll(async () => {
    startTracing('registry-events-test');
    [db, topics] = await Promise.all([createTestDatabase('registry_events'), createTestTopics()]);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    projectId = newId('project');
    apiKey = generateApiKey();
    await pg.query('insert into projects (id, name) values ($1, $2)', [projectId, 'ingest']);
    await pg.query(
      'insert into api_keys (id, project_id, key_prefix, key_hash) values ($1, $2, $3, $4)',
      [newId('apiKey'), projectId, apiKey.slice(0, 8), hashApiKey(apiKey)],
    );
    ({ instance: app, url: base } = await startApp(topics.brokers));
    collector = await TopicCollector.start(topics.kafka, [topics.topics.events]);
  });
  afterAll(async () => {
    await app?.close();
    await collector?.stop();
    await pg?.end();
    await Promise.all([db?.drop(), topics?.drop()]);
    await stopTracing();
  });

  it('should answer 202 with the id only once Kafka has the event', async () => {
    const before = await highWaterMark();
    const res = await post({
      event: 'ignite.deployment.container.metrics_update',
      data: metrics(),
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^evt_/);
    // Acknowledged before the answer: already counted, no waiting.
    expect(await highWaterMark()).toBe(before + 1);

    await collector.waitFor(() => published(id).length === 1);
    const message = collector.messages.find((m) => JSON.parse(m.value).id === id)!;
    expect(message.key).toBe(projectId);
    expect(message.headers[KafkaHeaders.eventType]).toBe(
      'ignite.deployment.container.metrics_update',
    );
    expect(EventEnvelopeSchema.parse(JSON.parse(message.value))).toMatchObject({
      id,
      project_id: projectId,
      event: 'ignite.deployment.container.metrics_update',
      data: metrics(),
    });
  });

  it("should continue the caller's trace from the traceparent header", async () => {
    const traceId = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    const res = await post(
      { event: 'ignite.deployment.container.metrics_update', data: metrics('ctr_traced') },
      base,
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    const { id } = (await res.json()) as { id: string };
    await collector.waitFor(() => published(id).length === 1);
    const message = collector.messages.find((m) => JSON.parse(m.value).id === id)!;
    // In jest the caller's context passes straight through; the running service puts its SERVER
    // and PRODUCER spans in between (the instrumentations, see apps/e2e tracing.e2e-spec.ts).
    expect(message.headers.traceparent).toBe(`00-${traceId}-00f067aa0ba902b7-01`);
  });

  it("should not carry a malformed traceparent or an oversized tracestate of the caller's onto the event", async () => {
    const res = await post(
      { event: 'ignite.deployment.container.metrics_update', data: metrics('ctr_badtrace') },
      base,
      { traceparent: 'not-a-traceparent', tracestate: `k=${'v'.repeat(8000)}` },
    );
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await collector.waitFor(() => published(id).length === 1);
    const message = collector.messages.find((m) => JSON.parse(m.value).id === id)!;
    expect(message.headers.traceparent).toBeUndefined();
    expect(message.headers.tracestate).toBeUndefined();
  });

  it('should publish a repeated id once and answer both with it', async () => {
    const id = newId('event');
    const body = {
      event: 'ignite.deployment.container.metrics_update',
      id,
      occurred_at: '2026-11-22T15:46:13.323Z',
      data: metrics(),
    };
    const answers = await Promise.all([post(body), post(body)]);
    const again = await post(body);
    for (const res of [...answers, again]) {
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ id });
    }
    await settle();
    expect(published(id)).toHaveLength(1);
    expect(published(id)[0]!.occurred_at).toBe('2026-11-22T15:46:13.323Z');
  });

  it('should publish an id posted 20 times at once exactly once, answering every post alike', async () => {
    const id = newId('event');
    const body = { event: 'ignite.deployment.container.metrics_update', id, data: metrics() };
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body)));
    for (const res of answers) {
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ id });
    }
    await settle();
    expect(published(id)).toHaveLength(1);
    const { rows } = await pg.query(
      'select count(*)::int as n from ingested_events where id = $1',
      [id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('should put every event accepted in a burst of concurrent posts with ids on the topic once', async () => {
    const ids = Array.from({ length: 150 }, () => newId('event'));
    // Each id twice, interleaved, so repeats land in the same batch and in later ones.
    const posts = [...ids, ...ids.slice().reverse()].map((id, i) =>
      post({ event: 'ignite.deployment.container.metrics_update', id, data: metrics(`ctr_${i}`) }),
    );
    const answers = await Promise.all(posts);
    expect(answers.map((res) => res.status)).toEqual(answers.map(() => 202));
    await settle();
    for (const id of ids) expect(published(id)).toHaveLength(1);
  });

  it('should publish an id again once its 24 h have passed', async () => {
    const id = newId('event');
    const body = { event: 'ignite.deployment.container.metrics_update', id, data: metrics() };
    expect((await post(body)).status).toBe(202);
    await pg.query(
      `update ingested_events set received_at = now() - interval '25 hours' where id = $1`,
      [id],
    );
    expect((await post(body)).status).toBe(202);
    await settle();
    expect(published(id)).toHaveLength(2);
  });

  it('should answer 400 naming the bad fields', async () => {
    const unknown = await post({ event: 'ignite.deployment.exploded', data: {} });
    expect(unknown.status).toBe(400);
    const unknownBody = (await unknown.json()) as {
      error: { message: string; details: { field: string; message: string }[] };
    };
    expect(unknownBody.error.message).toContain('ignite.deployment.exploded');
    expect(unknownBody.error.details[0]).toEqual({
      field: 'event',
      message: expect.stringContaining('ignite.deployment.container.metrics_update'),
    });

    const bad = await post({
      event: 'ignite.deployment.container.metrics_update',
      id: 'not-an-event-id',
      data: { ...metrics(), metrics: { ...metrics().metrics, cpu_usage_percent: 'busy' } },
    });
    expect(bad.status).toBe(400);
    const badBody = (await bad.json()) as { error: { code: string; details: { field: string }[] } };
    expect(badBody.error.code).toBe('invalid_request');
    expect(badBody.error.details.map((d) => d.field).sort()).toEqual([
      'data.metrics.cpu_usage_percent',
      'id',
    ]);

    const extra = await post({ event: 'ignite.deployment.deleted', data: {}, colour: 'red' });
    expect(extra.status).toBe(400);
    expect(
      ((await extra.json()) as { error: { details: { field: string }[] } }).error.details.map(
        (d) => d.field,
      ),
    ).toContain('colour');

    const platform = await post({
      event: 'webhook.disabled',
      data: { webhook_id: 'wh_1', reason: 'x' },
    });
    expect(platform.status).toBe(400);

    const notJson = await post('{"event":');
    expect(notJson.status).toBe(400);
  });

  it.each(BRIEF_PAYLOADS)(
    "should publish the brief's documented $event payload, and a field added to it, as sent",
    async (p) => {
      const data = { ...p.data, added_later: { nested: [1, '2'] } };
      const res = await post({ event: p.event, data });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      await collector.waitFor(() => published(id).length === 1);
      expect(published(id)[0]!.data).toEqual(data);
    },
  );

  it('should take a large event and answer 413 above 256 KiB', async () => {
    const event = 'ignite.deployment.healthcheck.events.failed';
    const data = (size: number) => ({
      deployment_id: 'dep_1',
      project_id: 'acme',
      healthcheck_id: 'hc_1',
      container_id: 'ctr_1',
      latency_ms: 5000,
      message: 'x'.repeat(size),
    });
    expect((await post({ event, data: data(200 * 1024) })).status).toBe(202);
    const tooLarge = await post({ event, data: data(300 * 1024) });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBeDefined();
  });

  it('should be described in /openapi.json', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/v1/events']!.post!.responses)).toEqual(
      expect.arrayContaining(['202', '400', '413', '503']),
    );
  });

  it('should refuse a request without a valid API key', async () => {
    const res = await post({ event: 'ignite.deployment.deleted', data: {} }, base, {
      authorization: 'Bearer hlk_nope',
    });
    expect(res.status).toBe(401);
  });

  describe('when Kafka is unreachable', () => {
    let proxy: TcpProxy;
    let cut: { instance: INestApplication; url: string };

    beforeAll(async () => {
      // A second instance reaching Kafka only through a proxy, cut once it has started.
      proxy = await TcpProxy.start(topics.brokers[0]!);
      cut = await startApp([proxy.address]);
      await proxy.close();
    });
    afterAll(async () => {
      await cut?.instance.close();
      await proxy?.close();
    });

    it('should answer 503 with Retry-After, keep nothing, and publish once Kafka is back', async () => {
      const id = newId('event');
      const body = {
        event: 'ignite.deployment.container.metrics_update',
        id,
        data: metrics('ctr_503'),
      };
      const started = Date.now();
      const refused = await post(body, cut.url);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'unavailable',
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      // Nothing half-written: the id is not remembered, so the retry publishes.
      const remembered = await pg.query('select 1 from ingested_events where id = $1', [id]);
      expect(remembered.rowCount).toBe(0);

      await proxy.open();
      const retried = await post(body, cut.url);
      expect(retried.status).toBe(202);
      expect(await retried.json()).toEqual({ id });
      await settle();
      expect(published(id)).toHaveLength(1);
    });
  });
});
