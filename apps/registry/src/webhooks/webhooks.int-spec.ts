import { Client } from 'pg';
import { TopicCollector, pollUntil } from '@hookline/testing';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';

describe('WebhooksController', () => {
  let r: RegistryHarness;
  let key: string;
  const create = (body: Record<string, unknown>, token = key) =>
    r.call('POST', '/v1/webhooks', { token, body });

  beforeAll(async () => {
    r = await startRegistry();
    key = (await r.project()).apiKey;
  });
  afterAll(() => r?.close());

  it('should create, get, list, update, rotate and delete a webhook', async () => {
    const created = await create({
      url: 'http://127.0.0.1:4000/hook',
      events: ['ignite.deployment.*', 'project.updated'],
      description: 'ops',
    });
    expect(created.status).toBe(201);
    const w = created.body;
    expect(w.id).toMatch(/^wh_/);
    expect(w.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(w).toMatchObject({
      url: 'http://127.0.0.1:4000/hook',
      active: true,
      signature_scheme: 'standard',
      disabled_reason: null,
      old_secret_expires_at: null,
    });
    expect(w.created_by).toMatch(/^key_/);

    const got = await r.call('GET', `/v1/webhooks/${w.id}`, { token: key });
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();

    const patched = await r.call('PATCH', `/v1/webhooks/${w.id}`, {
      token: key,
      body: { events: ['*'], active: false },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ['*'], active: false, disabled_reason: 'manual' });

    const rotated = await r.call('POST', `/v1/webhooks/${w.id}/secret/rotate`, {
      token: key,
      body: { transition_hours: 2 },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(w.secret);
    expect(Date.parse(rotated.body.old_secret_expires_at) - Date.now()).toBeGreaterThan(7_100_000);

    const listed = await r.call('GET', '/v1/webhooks', { token: key });
    expect(listed.body.data.map((x: { id: string }) => x.id)).toContain(w.id);
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    expect((await r.call('DELETE', `/v1/webhooks/${w.id}`, { token: key })).status).toBe(204);
    expect((await r.call('GET', `/v1/webhooks/${w.id}`, { token: key })).status).toBe(404);
  });

  it('should page through webhooks with a cursor', async () => {
    const { apiKey } = await r.project('Pager');
    for (let i = 0; i < 5; i++)
      await create({ url: `http://127.0.0.1:4000/${i}`, events: ['*'] }, apiKey);
    const first = await r.call('GET', '/v1/webhooks?limit=2', { token: apiKey });
    expect(first.body.data).toHaveLength(2);
    const ids = [...first.body.data];
    let cursor = first.body.next_cursor;
    while (cursor) {
      const page = await r.call('GET', `/v1/webhooks?limit=2&cursor=${cursor}`, { token: apiKey });
      ids.push(...page.body.data);
      cursor = page.body.next_cursor;
    }
    expect(new Set(ids.map((x: { id: string }) => x.id)).size).toBe(5);
  });

  it.each([
    [
      'an unknown event type',
      { url: 'http://127.0.0.1/x', events: ['nope.created'] },
      'events[0]',
      /valid types: ignite\.deployment\.created/,
    ],
    ['a URL that is not http(s)', { url: 'ftp://127.0.0.1/x', events: ['*'] }, 'url', /https/],
    [
      'a metadata address',
      { url: 'http://169.254.169.254/latest', events: ['*'] },
      'url',
      /forbidden/,
    ],
    ['a decimal metadata address', { url: 'http://2852039166/', events: ['*'] }, 'url', /metadata/],
    [
      'an IPv4-mapped metadata address',
      { url: 'http://[::ffff:169.254.169.254]/', events: ['*'] },
      'url',
      /metadata/,
    ],
    ['a link-local address', { url: 'http://169.254.10.1/', events: ['*'] }, 'url', /link-local/],
    [
      'an unknown field',
      { url: 'http://127.0.0.1/x', events: ['*'], colour: 'red' },
      'colour',
      /unknown field/,
    ],
    ['a missing field', { events: ['*'] }, 'url', /./],
    [
      'an unknown signature scheme',
      { url: 'http://127.0.0.1/x', events: ['*'], signature_scheme: 'md5' },
      'signature_scheme',
      /./,
    ],
  ])('should answer 400 naming the field for %s', async (_, body, field, message) => {
    const res = await create(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    const detail = res.body.error.details.find((d: { field: string }) => d.field === field);
    expect(detail).toBeDefined();
    expect(detail.message).toMatch(message);
  });

  it('should refuse private and plain-http URLs when not allowed', async () => {
    const strict = await startRegistry({
      HOOKLINE_ALLOW_HTTP: 'false',
      HOOKLINE_ALLOW_PRIVATE_URLS: 'false',
    });
    try {
      const { apiKey } = await strict.project();
      const http = await strict.call('POST', '/v1/webhooks', {
        token: apiKey,
        body: { url: 'http://example.com/', events: ['*'] },
      });
      expect(http.status).toBe(400);
      expect(http.body.error.details[0]).toMatchObject({
        field: 'url',
        message: 'must be an https URL',
      });
      const loopback = await strict.call('POST', '/v1/webhooks', {
        token: apiKey,
        body: { url: 'https://127.0.0.1/', events: ['*'] },
      });
      expect(loopback.body.error.details[0].message).toMatch(/loopback/);
      const privateNet = await strict.call('POST', '/v1/webhooks', {
        token: apiKey,
        body: { url: 'https://10.1.2.3/', events: ['*'] },
      });
      expect(privateNet.body.error.details[0].message).toMatch(/private/);
    } finally {
      await strict.close();
    }
  });

  it('should answer 400 for transition_hours out of range, bad JSON and a non-object body', async () => {
    const w = (await create({ url: 'http://127.0.0.1/x', events: ['*'] })).body;
    const rotate = await r.call('POST', `/v1/webhooks/${w.id}/secret/rotate`, {
      token: key,
      body: { transition_hours: 25 },
    });
    expect(rotate.status).toBe(400);
    expect(rotate.body.error.details[0].field).toBe('transition_hours');
    const badJson = await r.call('POST', '/v1/webhooks', { token: key, rawBody: '{"url": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.details[0].field).toBe('body');
    const array = await r.call('POST', '/v1/webhooks', { token: key, rawBody: '[1,2]' });
    expect(array.status).toBe(400);
    const wrongType = await r.call('POST', '/v1/webhooks', {
      token: key,
      rawBody: 'url=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.details[0].field).toBe('content-type');
  });

  it("should hide another project's webhooks (404) and refuse a revoked key at once", async () => {
    const a = await r.project('A');
    const b = await r.project('B');
    const w = (await create({ url: 'http://127.0.0.1/a', events: ['*'] }, a.apiKey)).body;
    for (const [method, path] of [
      ['GET', `/v1/webhooks/${w.id}`],
      ['PATCH', `/v1/webhooks/${w.id}`],
      ['DELETE', `/v1/webhooks/${w.id}`],
    ] as const) {
      const res = await r.call(method, path, {
        token: b.apiKey,
        body: method === 'PATCH' ? { active: false } : undefined,
      });
      expect(res.status).toBe(404);
    }
    expect((await r.call('GET', '/v1/webhooks', { token: b.apiKey })).body.data).toEqual([]);

    const extra = await r.call('POST', '/v1/api-keys', { token: a.apiKey, body: { name: 'ci' } });
    expect(extra.status).toBe(201);
    expect(extra.body.key).toMatch(/^hlk_/);
    const keys = await r.call('GET', '/v1/api-keys', { token: a.apiKey });
    expect(keys.body.data).toHaveLength(2);
    expect(JSON.stringify(keys.body)).not.toContain(extra.body.key);
    expect((await r.call('GET', '/v1/webhooks', { token: extra.body.key })).status).toBe(200);
    expect(
      (await r.call('DELETE', `/v1/api-keys/${extra.body.id}`, { token: a.apiKey })).status,
    ).toBe(204);
    expect((await r.call('GET', '/v1/webhooks', { token: extra.body.key })).status).toBe(401);
    expect(
      (await r.call('DELETE', `/v1/api-keys/${extra.body.id}`, { token: b.apiKey })).status,
    ).toBe(404);
    expect((await r.call('GET', '/v1/webhooks')).status).toBe(401);
    expect(
      (await r.call('POST', '/v1/projects', { token: a.apiKey, body: { name: 'x' } })).status,
    ).toBe(401);
  });

  it('should lose no update when PATCHes of one webhook race', async () => {
    const w = (await create({ url: 'http://127.0.0.1/race', events: ['*'] })).body;
    const urls = Array.from({ length: 8 }, (_, i) => `http://127.0.0.1/race/${i}`);
    const results = await Promise.all(
      urls.map((url) =>
        r.call('PATCH', `/v1/webhooks/${w.id}`, { token: key, body: { url, description: url } }),
      ),
    );
    expect(results.every((x) => x.status === 200 || x.status === 409)).toBe(true);
    const client = new Client({ connectionString: r.db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        'select version, type from webhook_events where aggregate_id = $1 order by version',
        [w.id],
      );
      const applied = results.filter((x) => x.status === 200).length;
      // Every accepted PATCH is an event with its own version: none overwritten silently.
      expect(rows.map((x) => x.version)).toEqual(
        Array.from({ length: applied + 1 }, (_, i) => i + 1),
      );
    } finally {
      await client.end();
    }
  });

  it('should keep no plaintext secret in any table', async () => {
    const w = (await create({ url: 'http://127.0.0.1/secret', events: ['*'] })).body;
    const rotated = (
      await r.call('POST', `/v1/webhooks/${w.id}/secret/rotate`, {
        token: key,
        body: { transition_hours: 1 },
      })
    ).body;
    const client = new Client({ connectionString: r.db.url });
    await client.connect();
    try {
      const { rows: tables } = await client.query(
        "select table_name from information_schema.tables where table_schema = 'public'",
      );
      for (const { table_name } of tables) {
        const { rows } = await client.query(`select t::text as row from "${table_name}" t`);
        for (const { row } of rows) {
          for (const secret of [w.secret, rotated.secret]) {
            expect(row).not.toContain(secret);
            expect(row).not.toContain(secret.slice(6));
          }
        }
      }
    } finally {
      await client.end();
    }
  });

  it('should publish each change to the changelog, in order, and a tombstone on delete', async () => {
    const collector = await TopicCollector.start(r.topics.kafka, [
      r.topics.topics.webhooksChangelog,
    ]);
    try {
      const w = (await create({ url: 'http://127.0.0.1/log', events: ['*'] })).body;
      const t0 = Date.now();
      await collector.waitFor((m) => m.some((x) => x.key === w.id));
      const firstLatency = Date.now() - t0;
      await r.call('PATCH', `/v1/webhooks/${w.id}`, { token: key, body: { description: 'v2' } });
      await r.call('POST', `/v1/webhooks/${w.id}/secret/rotate`, {
        token: key,
        body: { transition_hours: 0 },
      });
      await r.call('DELETE', `/v1/webhooks/${w.id}`, { token: key });
      const msgs = await pollUntil(
        () => collector.byKey(w.id).length >= 4 && collector.byKey(w.id),
      );
      const versions = msgs.slice(0, 3).map((m) => JSON.parse(m.value).version);
      expect(versions).toEqual([1, 2, 3]);
      expect(msgs[3]!.value).toBe('');
      expect(JSON.parse(msgs[0]!.value).secrets[0].ciphertext).not.toContain('whsec_');
      process.stdout.write(
        `changelog: commit-to-topic latency of the first change ${firstLatency} ms\n`,
      );
    } finally {
      await collector.stop();
    }
  });

  it('should announce a change of active on hookline.operational even when the PATCH changes other fields too', async () => {
    const collector = await TopicCollector.start(r.topics.kafka, [r.topics.topics.operational]);
    try {
      const w = (await create({ url: 'http://127.0.0.1/ops', events: ['*'] })).body;
      const off = await r.call('PATCH', `/v1/webhooks/${w.id}`, {
        token: key,
        body: { active: false, url: 'http://127.0.0.1/ops-2' },
      });
      expect(off.status).toBe(200);
      const mine = () =>
        collector.messages
          .filter((x) => x.value.includes(w.id))
          .map((x) => JSON.parse(x.value) as { event: string });
      const disabled = await pollUntil(() => mine().find((e) => e.event === 'webhook.disabled'));
      expect(disabled).toMatchObject({
        project_id: w.project_id,
        event: 'webhook.disabled',
        data: { webhook_id: w.id, reason: 'manual' },
      });
      await r.call('PATCH', `/v1/webhooks/${w.id}`, {
        token: key,
        body: { active: true, description: 'back' },
      });
      await pollUntil(() => mine().find((e) => e.event === 'webhook.enabled'));
      // A PATCH that leaves `active` as it was announces nothing.
      await r.call('PATCH', `/v1/webhooks/${w.id}`, {
        token: key,
        body: { active: true, description: 'same' },
      });
      await r.call('PATCH', `/v1/webhooks/${w.id}`, { token: key, body: { active: false } });
      const all = await pollUntil(() => mine().length >= 3 && mine());
      expect(all.map((e) => e.event)).toEqual([
        'webhook.disabled',
        'webhook.enabled',
        'webhook.disabled',
      ]);
    } finally {
      await collector.stop();
    }
  });

  it('should answer the event catalog and the OpenAPI document', async () => {
    const types = await r.call('GET', '/v1/event-types');
    expect(types.status).toBe(200);
    const metrics = types.body.data.find(
      (t: { name: string }) => t.name === 'ignite.deployment.container.metrics_update',
    );
    expect(metrics.schema.properties.metrics.properties).toHaveProperty('memory_usage_percent');
    const doc = await r.call('GET', '/openapi.json');
    expect(doc.body.paths['/v1/webhooks'].post.requestBody).toBeDefined();
    const docs = await fetch(`${r.url}/docs`);
    expect(await docs.text()).toContain('swagger-ui');
    expect((await fetch(`${r.url}/docs/assets/swagger-ui.css`)).status).toBe(200);
  });
});
