import { DataSource } from 'typeorm';
import { deliveryId, newId, type DeliveryStatus } from '@hookline/contracts';
import { DeliveryLogRepository, type AttemptRecord } from '@hookline/persistence';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { StatsController } from './stats.controller';

/** Stats over attempts written the way the dispatcher writes them (DeliveryLogRepository). */
describe(StatsController.name, () => {
  let r: RegistryHarness;
  let log: DeliveryLogRepository;

  beforeAll(async () => {
    r = await startRegistry();
    log = new DeliveryLogRepository(r.app.get(DataSource));
  });
  afterAll(() => r?.close());

  const webhook = async (token: string) =>
    (
      await r.call('POST', '/v1/webhooks', {
        token,
        body: { url: 'http://127.0.0.1:4000/hook', events: ['*'] },
      })
    ).body.id as string;

  const attempt = (
    projectId: string,
    webhookId: string,
    o: { status: DeliveryStatus; durationMs: number; startedAt: Date },
  ): AttemptRecord => {
    const eventId = newId('event');
    return {
      deliveryId: deliveryId(eventId, webhookId),
      webhookId,
      projectId,
      event: {
        id: eventId,
        project_id: projectId,
        event: 'project.updated',
        occurred_at: o.startedAt.toISOString(),
        data: {},
      } as AttemptRecord['event'],
      attempt: 1,
      trigger: 'automatic',
      url: 'http://127.0.0.1:4000/hook',
      requestHeaders: {},
      responseStatus: o.status === 'succeeded' ? 200 : 500,
      responseBody: null,
      durationMs: o.durationMs,
      errorClass: o.status === 'succeeded' ? null : 'http_status',
      error: null,
      startedAt: o.startedAt,
      status: o.status,
      nextAttemptAt: null,
      chain: 0,
      createdAt: null,
    };
  };

  it('should count attempts per minute by outcome, merge latency histograms and give p50/p99', async () => {
    const project = await r.project('stats');
    const [a, b] = [await webhook(project.apiKey), await webhook(project.apiKey)];
    const now = new Date();
    const minuteAgo = new Date(now.getTime() - 60_000);
    const at = (wh: string, status: DeliveryStatus, durationMs: number, startedAt = now) =>
      attempt(project.id, wh, { status, durationMs, startedAt });
    // Two batches touching the same (webhook, minute): the second adds to the first's row.
    await log.writeAttempts([
      ...Array.from({ length: 97 }, () => at(a, 'succeeded', 20)),
      at(a, 'pending', 800),
      at(b, 'failed', 3000, minuteAgo),
    ]);
    await log.writeAttempts([at(a, 'failed', 40_000), at(a, 'succeeded', 20)]);

    const res = await r.call('GET', `/v1/webhooks/${a}/stats?window=1h`, { token: project.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ window: '1h', step_seconds: 60 });
    expect(res.body.series).toHaveLength(60);
    expect(res.body.totals).toEqual({
      succeeded: 98,
      failed: 1,
      retried: 1,
      latency_p50_ms: 25,
      latency_p99_ms: 1000,
      success_rate: 98 / 99,
      last_attempt_at: now.toISOString(),
    });
    const last = res.body.series.at(-1);
    expect(last).toMatchObject({ succeeded: 98, failed: 1, retried: 1 });

    const day = await r.call('GET', '/v1/stats?window=24h', { token: project.apiKey });
    expect(day.status).toBe(200);
    expect(day.body.series).toHaveLength(144);
    expect(day.body.totals).toMatchObject({ succeeded: 98, failed: 2, retried: 1 });
    expect(day.body.webhooks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          webhook_id: b,
          failed: 1,
          success_rate: 0,
          latency_p99_ms: 5000,
        }),
        expect.objectContaining({ webhook_id: a, succeeded: 98 }),
      ]),
    );
  });

  it("should answer 404 for another project's webhook and 400 for an unknown window", async () => {
    const [mine, theirs] = [await r.project('mine'), await r.project('theirs')];
    const wh = await webhook(theirs.apiKey);
    expect((await r.call('GET', `/v1/webhooks/${wh}/stats`, { token: mine.apiKey })).status).toBe(
      404,
    );
    expect((await r.call('GET', '/v1/stats?window=7d', { token: mine.apiKey })).status).toBe(400);
    const empty = await r.call('GET', '/v1/stats', { token: mine.apiKey });
    expect(empty.body.totals).toMatchObject({
      succeeded: 0,
      success_rate: null,
      latency_p50_ms: null,
    });
  });
});
