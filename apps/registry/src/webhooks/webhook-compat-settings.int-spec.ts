import { randomBytes } from 'node:crypto';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';

/** The settings that let a webhook reproduce a service of the brief (README "coming from …"). */
describe('WebhooksController compatibility settings', () => {
  let r: RegistryHarness;
  let key: string;
  const create = (body: Record<string, unknown>) =>
    r.call('POST', '/v1/webhooks', { token: key, body });
  const base = { url: 'http://127.0.0.1:4000/hook', events: ['*'] };

  beforeAll(async () => {
    r = await startRegistry();
    key = (await r.project()).apiKey;
  });
  afterAll(() => r?.close());

  it('should take your own secret on create, as the Hostwares API does, and answer it once', async () => {
    const secret = randomBytes(24).toString('hex');
    const created = await create({ ...base, signature_scheme: 'hostwares', secret });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ secret, signature_scheme: 'hostwares' });
    const got = await r.call('GET', `/v1/webhooks/${created.body.id}`, { token: key });
    expect(got.body.secret).toBeUndefined();
  });

  it('should take your own secret on rotation', async () => {
    const created = await create({ ...base, signature_scheme: 'hop' });
    const secret = randomBytes(24).toString('base64url');
    const rotated = await r.call('POST', `/v1/webhooks/${created.body.id}/secret/rotate`, {
      token: key,
      body: { transition_hours: 1, secret },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toBe(secret);
  });

  it.each([
    ['too short', 'hostwares', 'short-secret'],
    ['too predictable', 'hostwares', 'x'.repeat(40)],
    ['not whsec_ base64 for the standard scheme', 'standard', randomBytes(24).toString('hex')],
  ])('should refuse a secret that is %s with 400 naming the field', async (_, scheme, secret) => {
    const created = await create({ ...base, signature_scheme: scheme, secret });
    expect(created.status).toBe(400);
    expect(created.body.error.details).toEqual([
      expect.objectContaining({ field: 'secret', message: expect.any(String) }),
    ]);
    const w = await create({ ...base, signature_scheme: scheme });
    const rotated = await r.call('POST', `/v1/webhooks/${w.body.id}/secret/rotate`, {
      token: key,
      body: { transition_hours: 0, secret },
    });
    expect(rotated.status).toBe(400);
    expect(rotated.body.error.details[0].field).toBe('secret');
  });

  it('should keep signature_header and format, change them with PATCH and refuse a bad header name', async () => {
    const created = await create({
      ...base,
      signature_scheme: 'github',
      signature_header: 'X-Acme-Signature',
      format: 'slack',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ signature_header: 'X-Acme-Signature', format: 'slack' });
    const patched = await r.call('PATCH', `/v1/webhooks/${created.body.id}`, {
      token: key,
      body: { signature_header: null, format: 'discord' },
    });
    expect(patched.body).toMatchObject({ signature_header: null, format: 'discord' });
    const plain = await create(base);
    expect(plain.body).toMatchObject({ signature_header: null, format: 'envelope' });

    const bad = await create({ ...base, signature_header: 'X Bad: header' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('signature_header');
  });

  it('should keep batch, change it with PATCH and refuse out-of-range values with 400', async () => {
    const created = await create({ ...base, batch: { max_events: 50, max_wait_ms: 2000 } });
    expect(created.status).toBe(201);
    expect(created.body.batch).toEqual({ max_events: 50, max_wait_ms: 2000 });
    const patched = await r.call('PATCH', `/v1/webhooks/${created.body.id}`, {
      token: key,
      body: { batch: { max_events: 10, max_wait_ms: 500 } },
    });
    expect(patched.body.batch).toEqual({ max_events: 10, max_wait_ms: 500 });
    const got = await r.call('GET', `/v1/webhooks/${created.body.id}`, { token: key });
    expect(got.body.batch).toEqual({ max_events: 10, max_wait_ms: 500 });
    const off = await r.call('PATCH', `/v1/webhooks/${created.body.id}`, {
      token: key,
      body: { batch: null },
    });
    expect(off.body.batch).toBeNull();
    expect((await create(base)).body.batch).toBeNull();

    for (const batch of [
      { max_events: 1, max_wait_ms: 100 },
      { max_events: 5000, max_wait_ms: 100 },
      { max_events: 10, max_wait_ms: 0 },
      { max_events: 10, max_wait_ms: 600_000 },
      { max_events: 10 },
    ]) {
      const bad = await create({ ...base, batch });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].field).toMatch(/^batch/);
    }
  });
});
