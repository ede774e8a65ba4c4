import { HooklineApiError, HooklineClient } from '@hookline/sdk';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';

/**
 * @hookline/sdk against the real registry (Postgres, Kafka). It lives here because a lib may not
 * import an app: this suite runs the registry in-process and drives it only through the SDK.
 */
describe(HooklineClient.name, () => {
  let r: RegistryHarness;
  let client: HooklineClient;

  const apiError = async (call: Promise<unknown>): Promise<HooklineApiError> => {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HooklineApiError);
    return error as HooklineApiError;
  };

  beforeAll(async () => {
    r = await startRegistry();
    const project = await new HooklineClient({
      baseUrl: r.url,
      adminToken: r.adminToken,
    }).projects.create('SDK');
    expect(project.id).toMatch(/^prj_/);
    client = new HooklineClient({ baseUrl: r.url, apiKey: project.api_key });
  });
  afterAll(() => r?.close());

  it('should create, get, update, rotate and delete a webhook', async () => {
    const created = await client.webhooks.create(
      'http://127.0.0.1:4000/sdk',
      ['ignite.deployment.*'],
      { description: 'sdk', signature_scheme: 'hop' },
    );
    expect(created).toMatchObject({
      url: 'http://127.0.0.1:4000/sdk',
      signature_scheme: 'hop',
      active: true,
      description: 'sdk',
    });
    expect(created.secret).toMatch(/^whsec_/);
    expect((await client.webhooks.get(created.id)).secret).toBeUndefined();

    const updated = await client.webhooks.update(created.id, { events: ['*'], active: false });
    expect(updated).toMatchObject({ events: ['*'], active: false, disabled_reason: 'manual' });
    expect((await client.webhooks.update(created.id, { active: true })).disabled_reason).toBeNull();

    const rotated = await client.webhooks.rotateSecret(created.id, 1);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.old_secret_expires_at).not.toBeNull();

    await client.webhooks.delete(created.id);
    const gone = await apiError(client.webhooks.get(created.id));
    expect(gone).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('should list every webhook across pages, as items and as pages', async () => {
    const other = new HooklineClient({ baseUrl: r.url, apiKey: (await r.project('Pages')).apiKey });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await other.webhooks.create(`http://127.0.0.1:4000/p${i}`, ['*'])).id);
    const seen: string[] = [];
    for await (const w of other.webhooks.list({ pageSize: 2 })) seen.push(w.id);
    expect(seen).toEqual(ids);
    const sizes: number[] = [];
    for await (const page of other.webhooks.list({ pageSize: 2 }).pages())
      sizes.push(page.data.length);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('should throw HooklineApiError carrying the error body that names the bad field', async () => {
    const error = await apiError(
      client.webhooks.create('http://127.0.0.1:4000/x', ['nope.created']),
    );
    expect(error.status).toBe(400);
    expect(error.details[0]).toMatchObject({
      field: 'events[0]',
      message: expect.stringContaining('valid types'),
    });
    expect(error.requestId).toBeDefined();
    const metadata = await apiError(client.webhooks.create('http://169.254.169.254/latest', ['*']));
    expect(metadata.details[0]!.field).toBe('url');
    const range = await apiError(
      client.webhooks.rotateSecret(
        (await client.webhooks.create('http://127.0.0.1:4000/y', ['*'])).id,
        48,
      ),
    );
    expect(range.details[0]!.field).toBe('transition_hours');
  });

  it('should create, list and revoke API keys; a revoked key is refused at once', async () => {
    const key = await client.apiKeys.create('ci');
    expect(key.key).toMatch(/^hlk_/);
    expect((await client.apiKeys.list()).map((k) => k.id)).toContain(key.id);
    const ci = new HooklineClient({ baseUrl: r.url, apiKey: key.key });
    expect(await ci.webhooks.list().toArray()).toBeDefined();
    await client.apiKeys.revoke(key.id);
    expect(await apiError(ci.webhooks.list().toArray())).toMatchObject({
      status: 401,
      code: 'unauthorized',
    });
  });

  it('should create a read key with an expiry, and mint one for the project with the admin token', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000);
    const read = await client.apiKeys.create({ name: 'dash', scope: 'read', expiresAt });
    expect(read).toMatchObject({ scope: 'read', expires_at: expiresAt.toISOString() });
    const reader = new HooklineClient({ baseUrl: r.url, apiKey: read.key });
    expect(await reader.webhooks.list().toArray()).toBeDefined();
    expect(await apiError(reader.apiKeys.create('escalate'))).toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });

    const admin = new HooklineClient({ baseUrl: r.url, adminToken: r.adminToken });
    const minted = await admin.projects.createKey(read.project_id, { name: 'ops', scope: 'full' });
    expect(minted).toMatchObject({ project_id: read.project_id, scope: 'full', expires_at: null });
    expect(await apiError(reader.apiKeys.revoke(minted.id))).toMatchObject({ status: 403 });
    await new HooklineClient({ baseUrl: r.url, apiKey: minted.key }).apiKeys.revoke(minted.id);
    const listed = await client.apiKeys.list();
    expect(listed.find((k) => k.id === minted.id)?.revoked_at).not.toBeNull();
  });

  it('should list the event types and publish an event', async () => {
    const types = await client.eventTypes.list();
    expect(types.map((t) => t.name)).toEqual(
      expect.arrayContaining(['webhook.ping', 'ignite.deployment.created']),
    );
    const published = await client.events.publish('project.updated', {
      project_id: 'p1',
      name: 'Acme',
      tier: 'pro',
      region: 'eu-west',
    });
    expect(published.id).toMatch(/^evt_/);
  });

  it('should reach the delivery-log and test endpoints, answering 404 for ids that do not exist', async () => {
    // Thunks, called one at a time: a promise that rejects before it is awaited is unhandled.
    for (const call of [
      () => client.deliveries.list('wh_missing').toArray(),
      () => client.deliveries.get('msg_missing'),
      () => client.deliveries.redeliver('msg_missing'),
      () => client.webhooks.test('wh_missing'),
    ]) {
      expect(await apiError(call())).toMatchObject({ status: 404, code: 'not_found' });
    }
  });

  it("should read stats, the project's delivery log, and, as the operator, list projects and mint a key", async () => {
    const hook = await client.webhooks.create('http://127.0.0.1:4000/hook', ['*']);
    const stats = await client.stats.webhook(hook.id, '24h');
    expect(stats).toMatchObject({ window: '24h', step_seconds: 600 });
    expect((await client.stats.project()).series).toHaveLength(60);
    expect(await client.deliveries.projectList({ status: 'failed' }).toArray()).toEqual([]);

    const operator = new HooklineClient({ baseUrl: r.url, adminToken: r.adminToken });
    const made = await operator.projects.create('SDK ops');
    const all = await operator.projects.list({ pageSize: 1 }).toArray();
    expect(all.map((p) => p.id)).toContain(made.id);
    const key = await operator.projects.createKey(made.id, { name: 'ops' });
    expect(key.key).toMatch(/^hlk_/);
    const scoped = new HooklineClient({ baseUrl: r.url, apiKey: key.key });
    expect(await scoped.webhooks.list().toArray()).toEqual([]);
  });
});
