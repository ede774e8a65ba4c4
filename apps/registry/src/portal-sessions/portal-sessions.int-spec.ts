import { Client } from 'pg';
import { pollUntil } from '@hookline/testing';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { PortalSessionsController } from './portal-sessions.controller';

const tokenOf = (url: string) => url.split('/').pop()!;

describe(PortalSessionsController.name, () => {
  let r: RegistryHarness;
  let owner: { id: string; apiKey: string };
  let other: { id: string; apiKey: string };

  beforeAll(async () => {
    r = await startRegistry();
    owner = await r.project('Portal');
    other = await r.project('Other');
  });
  afterAll(() => r?.close());

  const mint = (token: string, body: Record<string, unknown> = {}) =>
    r.call('POST', '/v1/portal-sessions', { token, body });

  it('should mint a 1 h link with a project key, its token only in the URL fragment and stored hashed', async () => {
    const before = Date.now();
    const res = await mint(owner.apiKey);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^ps_/),
      project_id: owner.id,
      read_only: false,
      url: expect.stringMatching(new RegExp(`^${r.url}/console/#/portal/hlp_[A-Za-z0-9_-]{43}$`)),
    });
    const ttl = Date.parse(res.body.expires_at) - before;
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3601_000);
    const token = tokenOf(res.body.url);
    const pg = new Client({ connectionString: r.db.url });
    await pg.connect();
    const { rows: stored } = await pg
      .query<{ token_hash: string }>('select * from portal_sessions where id = $1', [res.body.id])
      .finally(() => pg.end());
    expect(stored[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('should scope a link to its project, for webhooks and deliveries only', async () => {
    const token = tokenOf((await mint(owner.apiKey)).body.url);
    await r.call('POST', '/v1/webhooks', {
      token: other.apiKey,
      body: { url: 'http://127.0.0.1:9/other', events: ['*'] },
    });
    const created = await r.call('POST', '/v1/webhooks', {
      token,
      body: { url: 'http://127.0.0.1:9/mine', events: ['*'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      project_id: owner.id,
      created_by: expect.stringMatching(/^ps_/),
    });
    const listed = await r.call('GET', '/v1/webhooks', { token });
    expect(listed.body.data.map((w: { url: string }) => w.url)).toEqual([
      'http://127.0.0.1:9/mine',
    ]);
    expect((await r.call('GET', '/v1/portal-sessions/current', { token })).body).toMatchObject({
      project_id: owner.id,
      read_only: false,
    });
    for (const [method, path] of [
      ['GET', '/v1/api-keys'],
      ['POST', '/v1/api-keys'],
      ['POST', '/v1/events'],
      ['POST', '/v1/portal-sessions'],
    ] as const) {
      const res = await r.call(method, path, { token, body: method === 'GET' ? undefined : {} });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
  });

  it('should refuse writes with 403 on a read-only link and allow reads', async () => {
    const token = tokenOf((await mint(owner.apiKey, { read_only: true })).body.url);
    expect((await r.call('GET', '/v1/webhooks', { token })).status).toBe(200);
    const write = await r.call('POST', '/v1/webhooks', {
      token,
      body: { url: 'http://127.0.0.1:9/ro', events: ['*'] },
    });
    expect(write.status).toBe(403);
    expect(write.body.error).toMatchObject({
      code: 'forbidden',
      message: 'this portal link is read-only',
    });
  });

  it('should refuse an expired link and a revoked one', async () => {
    const short = tokenOf((await mint(owner.apiKey, { ttl_seconds: 1 })).body.url);
    expect((await r.call('GET', '/v1/webhooks', { token: short })).status).toBe(200);
    await pollUntil(
      async () => (await r.call('GET', '/v1/webhooks', { token: short })).status === 401,
      { timeoutMs: 5000, message: 'the link expired' },
    );
    const expired = await r.call('GET', '/v1/webhooks', { token: short });
    expect(expired.body.error.message).toBe('this portal link has expired');

    const link = (await mint(owner.apiKey)).body;
    expect(
      (await r.call('DELETE', `/v1/portal-sessions/${link.id}`, { token: other.apiKey })).status,
    ).toBe(404);
    expect(
      (await r.call('DELETE', `/v1/portal-sessions/${link.id}`, { token: owner.apiKey })).status,
    ).toBe(204);
    expect((await r.call('GET', '/v1/webhooks', { token: tokenOf(link.url) })).status).toBe(401);
  });

  it('should mint for a named project with the admin token, and bound the lifetime to 24 h', async () => {
    expect((await mint(r.adminToken)).status).toBe(400);
    const res = await mint(r.adminToken, {
      project_id: other.id,
      read_only: true,
      ttl_seconds: 86_400,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ project_id: other.id, read_only: true });
    expect(
      (await r.call('DELETE', `/v1/portal-sessions/${res.body.id}`, { token: r.adminToken }))
        .status,
    ).toBe(204);
    expect((await mint(owner.apiKey, { ttl_seconds: 86_401 })).status).toBe(400);
    expect((await mint(owner.apiKey, { project_id: other.id })).status).toBe(404);
    expect((await mint('hlk_nope')).status).toBe(401);
  });

  it('should let only /console be framed', async () => {
    const api = await r.call('GET', '/v1/event-types');
    expect(api.headers.get('x-frame-options')).toBe('DENY');
    expect(api.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    const page = await fetch(`${r.url}/console/`);
    expect(page.headers.get('content-security-policy')).toBe('frame-ancestors *');
    expect(page.headers.get('x-frame-options')).toBeNull();
  });
});
