import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { ApiKeysController } from './api-keys.controller';

describe(ApiKeysController.name, () => {
  let r: RegistryHarness;
  let owner: { id: string; apiKey: string };

  beforeAll(async () => {
    r = await startRegistry();
    owner = await r.project('Keys');
  });
  afterAll(() => r?.close());

  it('should create a key shown once, list keys without secrets and record who created it', async () => {
    const [first] = (await r.call('GET', '/v1/api-keys', { token: owner.apiKey })).body.data;
    const created = await r.call('POST', '/v1/api-keys', {
      token: owner.apiKey,
      body: { name: 'ci' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^key_/),
      name: 'ci',
      project_id: owner.id,
      created_by: first.id,
    });
    expect(created.body.key).toMatch(/^hlk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key_prefix).toBe(created.body.key.slice(0, 10));

    const listed = await r.call('GET', '/v1/api-keys', { token: owner.apiKey });
    expect(listed.body.data.map((k: { id: string }) => k.id)).toEqual(
      expect.arrayContaining([first.id, created.body.id]),
    );
    for (const k of listed.body.data) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('key_hash');
    }
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
  });

  it('should create a key without a body', async () => {
    const res = await r.call('POST', '/v1/api-keys', { token: owner.apiKey });
    expect(res.status).toBe(201);
    expect(res.body.name).toBeNull();
  });

  it('should refuse a revoked key on the very next request', async () => {
    const { key, id } = (
      await r.call('POST', '/v1/api-keys', { token: owner.apiKey, body: { name: 'short-lived' } })
    ).body;
    expect((await r.call('GET', '/v1/webhooks', { token: key })).status).toBe(200);
    expect((await r.call('DELETE', `/v1/api-keys/${id}`, { token: owner.apiKey })).status).toBe(
      204,
    );
    const refused = await r.call('GET', '/v1/webhooks', { token: key });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('unauthorized');
    const listed = (await r.call('GET', '/v1/api-keys', { token: owner.apiKey })).body.data.find(
      (k: { id: string }) => k.id === id,
    );
    expect(listed.revoked_at).not.toBeNull();
  });

  it("should answer 404 for another project's key, and 401 for a malformed one", async () => {
    const other = await r.project('Other');
    const [otherKey] = (await r.call('GET', '/v1/api-keys', { token: other.apiKey })).body.data;
    expect(
      (await r.call('DELETE', `/v1/api-keys/${otherKey.id}`, { token: owner.apiKey })).status,
    ).toBe(404);
    expect((await r.call('DELETE', '/v1/api-keys/key_nope', { token: owner.apiKey })).status).toBe(
      404,
    );
    expect((await r.call('GET', '/v1/webhooks', { token: other.apiKey })).status).toBe(200);
    for (const token of ['hlk_not-a-key', 'not-even-prefixed', r.adminToken]) {
      expect((await r.call('GET', '/v1/api-keys', { token })).status).toBe(401);
    }
  });

  it('should answer 400 naming the field for a bad name or an unknown field', async () => {
    const res = await r.call('POST', '/v1/api-keys', {
      token: owner.apiKey,
      body: { name: '', scopes: ['all'] },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'name',
      'scopes',
    ]);
  });
});
