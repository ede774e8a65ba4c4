import { EndpointCircuitRepository, createDataSource } from '@hookline/persistence';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';

/** throttle_per_second, retry_schedule, disable_after_failed_deliveries and headers on the resource. */
describe('WebhooksController per-webhook delivery settings', () => {
  let r: RegistryHarness;
  let key: string;
  const base = { url: 'http://127.0.0.1:4000/hook', events: ['*'] };
  const create = (body: Record<string, unknown>) =>
    r.call('POST', '/v1/webhooks', { token: key, body: { ...base, ...body } });
  const patch = (id: string, body: Record<string, unknown>) =>
    r.call('PATCH', `/v1/webhooks/${id}`, { token: key, body });
  const fields = (res: { body: { error: { details: { field: string }[] } } }) =>
    res.body.error.details.map((d) => d.field);

  beforeAll(async () => {
    // Own retry delays from 1 s to 3 s (the tiers' range), thresholds from 1 to 10 or 0 (never).
    r = await startRegistry({ HOOKLINE_WEBHOOK_MAX_DISABLE_AFTER: '10' });
    key = (await r.project()).apiKey;
  });
  afterAll(() => r?.close());

  it('should keep the settings on create, show them on GET, change and clear them with PATCH', async () => {
    const created = await create({
      throttle_per_second: 2.5,
      retry_schedule: [1000, 3000],
      disable_after_failed_deliveries: 3,
      headers: { Authorization: 'Bearer t0k3n', 'X-Tenant': 'acme' },
    });
    expect(created.status).toBe(201);
    const got = await r.call('GET', `/v1/webhooks/${created.body.id}`, { token: key });
    expect(got.body).toMatchObject({
      throttle_per_second: 2.5,
      retry_schedule: [1000, 3000],
      disable_after_failed_deliveries: 3,
      headers: { Authorization: 'Bearer t0k3n', 'X-Tenant': 'acme' },
    });
    const changed = await patch(created.body.id, {
      throttle_per_second: null,
      retry_schedule: [2000],
      disable_after_failed_deliveries: 0,
      headers: {},
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({
      throttle_per_second: null,
      retry_schedule: [2000],
      disable_after_failed_deliveries: 0,
      headers: null,
    });
    const plain = await create({});
    expect(plain.body).toMatchObject({
      throttle_per_second: null,
      retry_schedule: null,
      disable_after_failed_deliveries: null,
      headers: null,
    });
  });

  it.each([
    [
      'a delay shorter than the operator allows',
      { retry_schedule: [1000, 500] },
      'retry_schedule.1',
    ],
    ['a delay longer than the operator allows', { retry_schedule: [4000] }, 'retry_schedule.0'],
    ['more retries than allowed', { retry_schedule: Array(21).fill(1000) }, 'retry_schedule'],
    ['an empty schedule', { retry_schedule: [] }, 'retry_schedule'],
    [
      'a threshold above the maximum',
      { disable_after_failed_deliveries: 11 },
      'disable_after_failed_deliveries',
    ],
    [
      'a negative threshold',
      { disable_after_failed_deliveries: -1 },
      'disable_after_failed_deliveries',
    ],
    ['a throttle of 0', { throttle_per_second: 0 }, 'throttle_per_second'],
    ['a hop-by-hop header', { headers: { Connection: 'close' } }, 'headers.Connection'],
    ['a proxy header', { headers: { 'Proxy-Authorization': 'x' } }, 'headers.Proxy-Authorization'],
    [
      'a signature header, in any case',
      { headers: { 'Webhook-Signature': 'v1,x' } },
      'headers.Webhook-Signature',
    ],
    ['the Host header', { headers: { host: 'evil.example' } }, 'headers.host'],
    ['a CR LF in a value', { headers: { 'X-A': 'a\r\nX-B: b' } }, 'headers.X-A'],
    ['a NUL in a value', { headers: { 'X-A': 'a\u0000' } }, 'headers.X-A'],
    ['a bad header name', { headers: { 'X A': 'v' } }, 'headers.X A'],
  ])('should refuse %s with 400 naming the field, on create and PATCH', async (_, body, field) => {
    const refused = await create(body);
    expect(refused.status).toBe(400);
    expect(fields(refused)).toContain(field);
    const w = await create({});
    const patched = await patch(w.body.id, body);
    expect(patched.status).toBe(400);
    expect(fields(patched)).toContain(field);
  });

  it("should refuse a header the webhook's own signature header makes Hookline send", async () => {
    const body = {
      signature_scheme: 'github',
      signature_header: 'X-Acme-Signature',
      headers: { 'x-acme-signature': 'forged' },
    };
    const refused = await create(body);
    expect(refused.status).toBe(400);
    expect(fields(refused)).toEqual(['headers.x-acme-signature']);
    // Renaming the signature header onto an existing custom header is refused as well.
    const w = await create({ signature_scheme: 'github', headers: { 'X-Mine': 'v' } });
    const renamed = await patch(w.body.id, { signature_header: 'X-Mine' });
    expect(renamed.status).toBe(400);
    expect(fields(renamed)).toEqual(['headers.X-Mine']);
  });

  it("should show the endpoint's circuit on GET, as the dispatcher recorded it", async () => {
    const w = await create({ url: 'http://127.0.0.1:4999/a' });
    const get = () => r.call('GET', `/v1/webhooks/${w.body.id}`, { token: key });
    expect((await get()).body.circuit).toEqual({ state: 'closed', opened_at: null, failures: 0 });

    const dataSource = createDataSource({ url: r.db.url, poolSize: 1, applicationName: 'test' });
    await dataSource.initialize();
    try {
      const openedAt = Date.parse('2026-12-02T07:00:00.000Z');
      await new EndpointCircuitRepository(dataSource).record('http://127.0.0.1:4999/a', {
        state: 'open',
        failures: 7,
        openedAt,
      });
    } finally {
      await dataSource.destroy();
    }
    expect((await get()).body.circuit).toEqual({
      state: 'open',
      opened_at: '2026-12-02T07:00:00.000Z',
      failures: 7,
    });
    // Another endpoint is not concerned, even on the same origin.
    for (const url of ['http://127.0.0.1:4999/b', 'http://127.0.0.1:4999/a?x=1']) {
      const other = await create({ url });
      const got = await r.call('GET', `/v1/webhooks/${other.body.id}`, { token: key });
      expect(got.body.circuit.state).toBe('closed');
    }
  });
});
