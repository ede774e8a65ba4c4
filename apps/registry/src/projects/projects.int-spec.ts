import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { ProjectsController } from './projects.controller';

describe(ProjectsController.name, () => {
  let r: RegistryHarness;

  beforeAll(async () => {
    r = await startRegistry();
  });
  afterAll(() => r?.close());

  it('should create a project with the admin token and answer its first API key once', async () => {
    const res = await r.call('POST', '/v1/projects', {
      token: r.adminToken,
      body: { name: 'Acme' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^prj_/),
      name: 'Acme',
      api_key: expect.stringMatching(/^hlk_/),
    });
    const keys = await r.call('GET', '/v1/api-keys', { token: res.body.api_key });
    expect(keys.status).toBe(200);
    expect(keys.body.data).toEqual([
      expect.objectContaining({ project_id: res.body.id, name: 'default', revoked_at: null }),
    ]);
    expect(JSON.stringify(keys.body)).not.toContain(res.body.api_key);
  });

  it('should list projects by cursor and mint a key for one, with the admin token only', async () => {
    const made = [await r.project('List A'), await r.project('List B')];
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Awaited<ReturnType<RegistryHarness['call']>> = await r.call(
        'GET',
        `/v1/projects?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        { token: r.adminToken },
      );
      expect(res.status).toBe(200);
      ids.push(...res.body.data.map((p: { id: string }) => p.id));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(expect.arrayContaining(made.map((p) => p.id)));
    expect((await r.call('GET', '/v1/projects', { token: made[0]!.apiKey })).status).toBe(401);

    const key = await r.call('POST', `/v1/projects/${made[1]!.id}/api-keys`, {
      token: r.adminToken,
      body: { name: 'ops' },
    });
    expect(key.status).toBe(201);
    expect(key.body).toMatchObject({ project_id: made[1]!.id, name: 'ops' });
    const hooks = await r.call('GET', '/v1/webhooks', { token: key.body.key });
    expect(hooks.status).toBe(200);
    const missing = await r.call('POST', '/v1/projects/prj_missing/api-keys', {
      token: r.adminToken,
    });
    expect(missing.status).toBe(404);
  });

  it('should mint a read key with an expiry for an existing project, and a full one back into a project whose keys are all gone', async () => {
    const project = await r.project('Minted');
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const read = await r.call('POST', `/v1/projects/${project.id}/api-keys`, {
      token: r.adminToken,
      body: { name: 'auditor', scope: 'read', expires_at: expiresAt },
    });
    expect(read.status).toBe(201);
    expect(read.body).toMatchObject({
      project_id: project.id,
      name: 'auditor',
      scope: 'read',
      expires_at: expiresAt,
      created_by: null,
    });
    expect((await r.call('GET', '/v1/webhooks', { token: read.body.key })).status).toBe(200);
    expect((await r.call('POST', '/v1/api-keys', { token: read.body.key })).status).toBe(403);

    // The project's only full key expired: the admin token is the way back in.
    const pg = new Client({ connectionString: r.db.url });
    await pg.connect();
    try {
      await pg.query(
        `update api_keys set expires_at = now() - interval '1 second' where project_id = $1 and scope = 'full'`,
        [project.id],
      );
    } finally {
      await pg.end();
    }
    const full = await r.call('POST', `/v1/projects/${project.id}/api-keys`, {
      token: r.adminToken,
    });
    expect(full.status).toBe(201);
    expect(full.body).toMatchObject({ scope: 'full', expires_at: null });
    expect((await r.call('POST', '/v1/api-keys', { token: full.body.key })).status).toBe(201);

    const withKey = await r.call('POST', `/v1/projects/${project.id}/api-keys`, {
      token: full.body.key,
    });
    expect(withKey.status).toBe(401);
  });

  it('should store only the SHA-256 of a key', async () => {
    const { apiKey } = await r.project('Hashed');
    const client = new Client({ connectionString: r.db.url });
    await client.connect();
    try {
      const { rows } = await client.query('select k::text as row, key_hash from api_keys k');
      expect(rows.map((x) => x.key_hash)).toContain(
        createHash('sha256').update(apiKey).digest('hex'),
      );
      for (const { row } of rows) expect(row).not.toContain(apiKey);
    } finally {
      await client.end();
    }
  });

  it.each([
    ['no token', undefined],
    ['a wrong admin token', 'admin_wrong'],
  ])('should answer 401 with %s', async (_, token) => {
    const res = await r.call('POST', '/v1/projects', { token, body: { name: 'x' } });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'unauthorized', details: [] });
  });

  it('should answer 400 naming the field for a missing name or an unknown field', async () => {
    const missing = await r.call('POST', '/v1/projects', { token: r.adminToken, body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.map((d: { field: string }) => d.field)).toEqual(['name']);
    const unknown = await r.call('POST', '/v1/projects', {
      token: r.adminToken,
      body: { name: 'x', plan: 'pro' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ field: 'plan', message: 'unknown field' }]);
  });
});
