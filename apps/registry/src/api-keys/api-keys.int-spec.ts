import { Client } from 'pg';
import { pollUntil } from '@hookline/testing';
import { API_KEY_REVOKED_CHANNEL } from '../auth/api-key.cache';
import { startRegistry, type RegistryHarness, type SharedStack } from '../testing/registry-harness';
import { ApiKeysController } from './api-keys.controller';

describe(ApiKeysController.name, () => {
  let r: RegistryHarness & SharedStack;
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

  describe('with the key cached on two replicas', () => {
    let replica: RegistryHarness;
    let pg: Client;

    beforeAll(async () => {
      replica = await startRegistry({}, r);
      pg = new Client({ connectionString: r.db.url });
      await pg.connect();
    });
    afterAll(async () => {
      await replica?.stop();
      await pg?.end();
    });

    const newKey = async (name: string) =>
      (await r.call('POST', '/v1/api-keys', { token: owner.apiKey, body: { name } })).body as {
        key: string;
        id: string;
      };
    const listeners = async () =>
      (
        await pg.query<{ pid: number }>(
          `select pid from pg_stat_activity where query = $1 and datname = current_database()`,
          [`listen ${API_KEY_REVOKED_CHANNEL}`],
        )
      ).rows.map((row) => row.pid);

    it('should refuse a key revoked through one replica at once, and on the other as soon as the notification lands', async () => {
      const { key, id } = await newKey('two-replicas');
      // Used on both, so both hold it in their cache.
      for (const h of [r, replica, r, replica])
        expect((await h.call('GET', '/v1/webhooks', { token: key })).status).toBe(200);
      expect((await r.call('DELETE', `/v1/api-keys/${id}`, { token: owner.apiKey })).status).toBe(
        204,
      );
      expect((await r.call('GET', '/v1/webhooks', { token: key })).status).toBe(401);
      // Postgres delivers the NOTIFY to every listener on commit; another replica's connection
      // reads it a moment later (milliseconds, more on a loaded machine), not before the answer.
      await pollUntil(
        async () => (await replica.call('GET', '/v1/webhooks', { token: key })).status === 401,
        { timeoutMs: 2000, message: 'revocation seen by the other replica' },
      );
    });

    it('should look every key up while its listener is lost, so a revocation missed meanwhile still counts', async () => {
      const { key, id } = await newKey('listener-lost');
      expect((await replica.call('GET', '/v1/webhooks', { token: key })).status).toBe(200);
      const before = await listeners();
      expect(before).toHaveLength(2);
      await pg.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [before]);
      await pollUntil(
        async () => {
          const now = await listeners();
          return now.length === 2 && now.every((p) => !before.includes(p));
        },
        { timeoutMs: 10_000, message: 'listeners back' },
      );
      // Revoked behind the replicas' backs: no notification reaches anyone, and nothing cached
      // before the gap may answer for the key.
      await pg.query('update api_keys set revoked_at = now() where id = $1', [id]);
      expect((await replica.call('GET', '/v1/webhooks', { token: key })).status).toBe(401);
      expect((await replica.call('GET', '/v1/webhooks', { token: owner.apiKey })).status).toBe(200);
    });
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

  describe('scopes and expiry', () => {
    const create = async (token: string, body: Record<string, unknown>) =>
      r.call('POST', '/v1/api-keys', { token, body });

    it('should let a read key call GET routes and refuse POST, PATCH and DELETE with 403 naming the scope', async () => {
      const hook = await r.call('POST', '/v1/webhooks', {
        token: owner.apiKey,
        body: { url: 'http://127.0.0.1:4000/hook', events: ['*'] },
      });
      expect(hook.status).toBe(201);
      const read = await create(owner.apiKey, { name: 'dashboards', scope: 'read' });
      expect(read.status).toBe(201);
      expect(read.body).toMatchObject({ scope: 'read', expires_at: null });
      const token = read.body.key as string;

      for (const path of ['/v1/webhooks', `/v1/webhooks/${hook.body.id}`, '/v1/api-keys'])
        expect((await r.call('GET', path, { token })).status).toBe(200);
      const writes: Array<[string, string, unknown]> = [
        ['POST', '/v1/webhooks', { url: 'http://127.0.0.1:4000/hook', events: ['*'] }],
        ['PATCH', `/v1/webhooks/${hook.body.id}`, { description: 'no' }],
        ['DELETE', `/v1/webhooks/${hook.body.id}`, undefined],
        ['POST', '/v1/api-keys', { name: 'escalate' }],
        ['DELETE', `/v1/api-keys/${read.body.id}`, undefined],
      ];
      for (const [method, path, body] of writes) {
        const res = await r.call(method, path, { token, body });
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
        expect(res.body.error.code).toBe('insufficient_scope');
        expect(res.body.error.message).toMatch(/scope "read"/);
      }
      // Nothing was changed by the refused calls.
      const after = await r.call('GET', `/v1/webhooks/${hook.body.id}`, { token: owner.apiKey });
      expect(after.body.description).toBeNull();
    });

    it('should refuse an expired key with 401, cached or not', async () => {
      const expiresAt = new Date(Date.now() + 1500).toISOString();
      const soon = await create(owner.apiKey, { name: 'soon', expires_at: expiresAt });
      expect(soon.status).toBe(201);
      expect(soon.body).toMatchObject({ scope: 'full', expires_at: expiresAt });
      // Cached by its first use; the cache must still see the instant pass.
      expect((await r.call('GET', '/v1/webhooks', { token: soon.body.key })).status).toBe(200);
      await pollUntil(
        async () => (await r.call('GET', '/v1/webhooks', { token: soon.body.key })).status === 401,
        { timeoutMs: 10_000, message: 'expired key refused' },
      );
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiresAt));

      // Never used before its expiry: refused by the lookup itself.
      const unused = await create(owner.apiKey, {
        name: 'unused',
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
      const pg = new Client({ connectionString: r.db.url });
      await pg.connect();
      try {
        await pg.query(
          `update api_keys set expires_at = now() - interval '1 second' where id = $1`,
          [unused.body.id],
        );
      } finally {
        await pg.end();
      }
      const refused = await r.call('GET', '/v1/webhooks', { token: unused.body.key });
      expect(refused.status).toBe(401);
      expect(refused.body.error.message).toMatch(/expired/);
    });

    it('should refuse an expiry in the past and an unknown scope with 400 naming the field', async () => {
      const res = await create(owner.apiKey, {
        scope: 'admin',
        expires_at: '2020-01-01T00:00:00Z',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
        'expires_at',
        'scope',
      ]);
    });

    it('should refuse to revoke the last unexpired full key of a project with 409', async () => {
      const p = await r.project('Lockout');
      const [first] = (await r.call('GET', '/v1/api-keys', { token: p.apiKey })).body.data;
      const alone = await r.call('DELETE', `/v1/api-keys/${first.id}`, { token: p.apiKey });
      expect(alone.status).toBe(409);
      expect(alone.body.error.message).toMatch(/last unexpired API key of scope "full"/);

      // A read key does not keep the project manageable; a full one that expires later does.
      await create(p.apiKey, { scope: 'read' });
      expect((await r.call('DELETE', `/v1/api-keys/${first.id}`, { token: p.apiKey })).status).toBe(
        409,
      );
      const later = await create(p.apiKey, {
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
      expect((await r.call('DELETE', `/v1/api-keys/${first.id}`, { token: p.apiKey })).status).toBe(
        204,
      );
      const last = await r.call('DELETE', `/v1/api-keys/${later.body.id}`, {
        token: later.body.key,
      });
      expect(last.status).toBe(409);
      expect((await r.call('GET', '/v1/webhooks', { token: later.body.key })).status).toBe(200);
    });

    it('should let only one of two full keys revoking each other at once win', async () => {
      const p = await r.project('Race');
      const [first] = (await r.call('GET', '/v1/api-keys', { token: p.apiKey })).body.data;
      const second = (await create(p.apiKey, {})).body;
      const answers = await Promise.all([
        r.call('DELETE', `/v1/api-keys/${second.id}`, { token: p.apiKey }),
        r.call('DELETE', `/v1/api-keys/${first.id}`, { token: second.key }),
      ]);
      // The loser is refused by the check (409), or, when it came second, as a revoked key (401).
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      expect([401, 409]).toContain(statuses.find((s) => s !== 204));
      const survivor = statuses[0] === 204 ? p.apiKey : second.key;
      expect((await r.call('GET', '/v1/api-keys', { token: survivor })).status).toBe(200);
    });
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
