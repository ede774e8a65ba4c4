import { startRegistry, type RegistryHarness } from '../testing/registry-harness';

/**
 * Text Postgres or JSON cannot carry (U+0000, unpaired UTF-16 surrogates) is refused at the edge
 * with 400 naming the field, wherever it is: body, nested `data`, keys, query, path. Bodies are
 * sent as raw JSON text so `\u0000` and `\ud800` arrive as escapes, as a hostile client sends them.
 */
describe('hostile input', () => {
  let r: RegistryHarness;
  let key: string;
  let webhookId: string;
  const raw = (method: string, path: string, rawBody?: string) =>
    r.call(method, path, { token: key, ...(rawBody === undefined ? {} : { rawBody }) });
  const expectRefused = (
    res: { status: number; body: { error?: { details?: { field: string }[] } } },
    field: string,
  ) => {
    expect(res.status).toBe(400);
    expect(res.body.error?.details?.map((d) => d.field)).toContain(field);
  };

  beforeAll(async () => {
    r = await startRegistry();
    key = (await r.project('hostile')).apiKey;
    const created = await r.call('POST', '/v1/webhooks', {
      token: key,
      body: { url: 'http://127.0.0.1:4000/hook', events: ['*'], verify: false },
    });
    expect(created.status).toBe(201);
    webhookId = created.body.id;
  });
  afterAll(() => r?.close());

  it('should refuse an event whose nested data holds NUL, naming its path', async () => {
    const res = await raw(
      'POST',
      '/v1/events',
      '{"event":"ignite.deployment.deleted","data":{"deployment_id":"d","project_id":"p",' +
        '"items":[{"name":"a"},{"name":"b"},{"name":"c\\u0000"}]}}',
    );
    expectRefused(res, 'data.items[2].name');
  });

  it('should refuse an event whose data holds NUL in a catalog field or a key', async () => {
    expectRefused(
      await raw(
        'POST',
        '/v1/events',
        '{"event":"ignite.deployment.deleted","data":{"deployment_id":"\\u0000","project_id":"p"}}',
      ),
      'data.deployment_id',
    );
    const key = await raw(
      'POST',
      '/v1/events',
      '{"event":"ignite.deployment.deleted","data":{"deployment_id":"d","project_id":"p","x\\u0000":1}}',
    );
    expect(key.status).toBe(400);
    expect(key.body.error.details[0].field).toBe('data.x\uFFFD');
  });

  it('should refuse an event whose data holds an unpaired surrogate', async () => {
    expectRefused(
      await raw(
        'POST',
        '/v1/events',
        '{"event":"ignite.deployment.deleted","data":{"deployment_id":"\\ud800","project_id":"p"}}',
      ),
      'data.deployment_id',
    );
  });

  it('should refuse an ingest id holding a lone surrogate and an event name holding NUL', async () => {
    const data = '{"deployment_id":"d","project_id":"p"}';
    expectRefused(
      await raw(
        'POST',
        '/v1/events',
        `{"event":"ignite.deployment.deleted","id":"evt_\\udc00","data":${data}}`,
      ),
      'id',
    );
    expectRefused(
      await raw(
        'POST',
        '/v1/events',
        `{"event":"ignite.deployment.deleted\\u0000","data":${data}}`,
      ),
      'event',
    );
  });

  it('should refuse a webhook description or event name holding NUL on create and update', async () => {
    expectRefused(
      await raw(
        'POST',
        '/v1/webhooks',
        '{"url":"http://127.0.0.1:4000/hook","events":["*"],"verify":false,"description":"a\\u0000"}',
      ),
      'description',
    );
    expectRefused(
      await raw(
        'POST',
        '/v1/webhooks',
        '{"url":"http://127.0.0.1:4000/hook","events":["project.updated\\u0000"],"verify":false}',
      ),
      'events[0]',
    );
    expectRefused(
      await raw('PATCH', `/v1/webhooks/${webhookId}`, '{"description":"x\\u0000y"}'),
      'description',
    );
    expectRefused(
      await raw('PATCH', `/v1/webhooks/${webhookId}`, '{"description":"\\ud83d"}'),
      'description',
    );
    const still = await raw('GET', `/v1/webhooks/${webhookId}`);
    expect(still.body.description).toBeNull();
  });

  it('should refuse an API key name holding NUL', async () => {
    expectRefused(await raw('POST', '/v1/api-keys', '{"name":"k\\u0000"}'), 'name');
  });

  it('should refuse NUL in query parameters', async () => {
    expectRefused(await raw('GET', '/v1/webhooks?cursor=wh_%00'), 'cursor');
    expectRefused(await raw('GET', `/v1/webhooks/${webhookId}/deliveries?event=%00`), 'event');
  });

  it('should refuse NUL in path parameters', async () => {
    expectRefused(await raw('GET', '/v1/webhooks/wh_%00'), 'id');
    expectRefused(await raw('GET', '/v1/deliveries/msg_%00'), 'id');
    expectRefused(await raw('DELETE', '/v1/api-keys/key_%00'), 'id');
  });

  it('should answer 400, not 500, for a body nested 10,000 levels deep', async () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const res = await raw(
      'POST',
      '/v1/events',
      `{"event":"ignite.deployment.deleted","data":{"deployment_id":"d","project_id":"p","x":${deep}}}`,
    );
    expect(res.status).toBe(400);
    const webhook = await raw('PATCH', `/v1/webhooks/${webhookId}`, `{"description":${deep}}`);
    expect(webhook.status).toBe(400);
  });

  it('should answer 413 for a body over 256 KiB', async () => {
    const res = await raw(
      'POST',
      '/v1/events',
      `{"event":"ignite.deployment.deleted","data":{"deployment_id":"${'d'.repeat(300_000)}","project_id":"p"}}`,
    );
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('should read an instant whose offset Postgres cannot carry as the UTC instant it names', async () => {
    // ISO 8601 allows offsets up to ±23:59; Postgres refuses more than ±15:59.
    const far = encodeURIComponent('0194-07-30T03:02:03-18:33');
    for (const path of [
      `/v1/events?until=${far}`,
      `/v1/deliveries?since=${far}`,
      `/v1/webhooks/${webhookId}/deliveries?until=${far}`,
    ])
      expect([path, (await raw('GET', path)).status]).toEqual([path, 200]);
    // Before year 1 in UTC: no instant Postgres holds.
    expectRefused(
      await raw('GET', `/v1/events?since=${encodeURIComponent('0001-01-01T00:00:00+05:00')}`),
      'since',
    );
  });

  it('should refuse an instant holding NUL or an unpaired surrogate, naming it', async () => {
    expectRefused(await raw('GET', '/v1/events?since=2026-11-22T15:46:13Z%00'), 'since');
    expectRefused(await raw('GET', '/v1/deliveries?until=%00'), 'until');
    const recover = `/v1/webhooks/${webhookId}/recover`;
    for (const [body, field] of [
      ['{"since":"2026-11-22T15:46:13Z\\u0000"}', 'since'],
      ['{"since":"2026-11-22T15:46:13Z","until":"\\ud800"}', 'until'],
    ] as const)
      expectRefused(await raw('POST', recover, body), field);
  });
});
