import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CatalogChangelog,
  CatalogFileSchema,
  EVENT_TYPE_NAMES,
  type EventEnvelope,
} from '@hookline/contracts';
import { TopicCollector } from '@hookline/testing';
import { startRegistry, type RegistryHarness, type SharedStack } from '../testing/registry-harness';

const catalogFile = (name: string) =>
  CatalogFileSchema.parse(
    JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'catalogs', name), 'utf8')),
  );

const siteSchema = {
  type: 'object',
  properties: { site_id: { type: 'string' }, duration_seconds: { type: 'number' } },
  required: ['site_id'],
};

describe('EventTypesController', () => {
  let r: RegistryHarness & SharedStack;
  let apiKey: string;
  let changelog: TopicCollector;
  let events: TopicCollector;

  const admin = (method: string, path: string, body?: unknown) =>
    r.call(method, path, { token: r.adminToken, body });
  const onChangelog = (name: string) =>
    changelog.byKey(name).map((m) => CatalogChangelog.decode(m.value));

  beforeAll(async () => {
    r = await startRegistry();
    apiKey = (await r.project('catalog')).apiKey;
    changelog = await TopicCollector.start(r.topics.kafka, [r.topics.topics.catalogChangelog]);
    events = await TopicCollector.start(r.topics.kafka, [r.topics.topics.events]);
  });
  afterAll(async () => {
    await changelog?.stop();
    await events?.stop();
    await r?.close();
  });

  it('should list the built-in catalog, seeded at boot, each with a schema, an example and a version', async () => {
    const res = await r.call('GET', '/v1/event-types');
    expect(res.status).toBe(200);
    const names = (res.body.data as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining([...EVENT_TYPE_NAMES]));
    const metrics = await r.call(
      'GET',
      '/v1/event-types/ignite.deployment.container.metrics_update',
    );
    expect(metrics.body).toMatchObject({
      version: 1,
      built_in: true,
      platform: false,
      deprecated: false,
      schema: { type: 'object' },
      example: { container_id: 'container_MTkzMDc3MjExODczMDc5MzAx' },
    });
    expect((await r.call('GET', '/v1/event-types/webhook.disabled')).body.platform).toBe(true);
    expect((await r.call('GET', '/v1/event-types/nope.nope')).status).toBe(404);
    await changelog.waitFor(() => onChangelog('project.updated').length > 0);
  });

  it('should add a type (admin token only) and accept its events at the ingest at once', async () => {
    const body = {
      name: 'site.created',
      description: 'A site was created.',
      schema: siteSchema,
      example: { site_id: 'cm1' },
    };
    expect((await r.call('POST', '/v1/event-types', { token: apiKey, body })).status).toBe(401);
    const created = await admin('POST', '/v1/event-types', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'site.created', version: 1, built_in: false });
    await changelog.waitFor(() => onChangelog('site.created').length > 0);
    expect(onChangelog('site.created').map((s) => s.version)).toEqual([1]);
    expect((await admin('POST', '/v1/event-types', body)).status).toBe(409);

    const data = { site_id: 'cm1', added_later: true };
    const ingest = await r.call('POST', '/v1/events', {
      token: apiKey,
      body: { event: 'site.created', data },
    });
    expect(ingest.status).toBe(202);
    await events.waitFor(() =>
      events
        .json<EventEnvelope>()
        .some((e) => e.id === ingest.body.id && e.event === 'site.created'),
    );
    expect(events.json<EventEnvelope>().find((e) => e.id === ingest.body.id)!.data).toEqual(data);

    const bad = await r.call('POST', '/v1/events', {
      token: apiKey,
      body: { event: 'site.created', data: { site_id: 7 } },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      { field: 'data.site_id', message: expect.any(String) },
    ]);
  });

  it('should refuse a schema that does not compile or an example that does not fit', async () => {
    const base = { name: 'site.broken', description: 'x', example: { site_id: 'cm1' } };
    const notObject = await admin('POST', '/v1/event-types', {
      ...base,
      schema: { type: 'string' },
    });
    expect(notObject.status).toBe(400);
    const invalid = await admin('POST', '/v1/event-types', {
      ...base,
      schema: { type: 'object', properties: { site_id: { type: 'strin' } } },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].field).toBe('schema');
    const misfit = await admin('POST', '/v1/event-types', {
      ...base,
      schema: siteSchema,
      example: { site_id: 1 },
    });
    expect(misfit.status).toBe(400);
    expect(misfit.body.error.details[0].field).toBe('example.site_id');
    expect((await r.call('GET', '/v1/event-types/site.broken')).status).toBe(404);
  });

  it('should change and deprecate a type, raising its version, and validate by the new schema', async () => {
    await admin('POST', '/v1/event-types', {
      name: 'site.deleted',
      description: 'A site was deleted.',
      schema: siteSchema,
      example: { site_id: 'cm1' },
    });
    const stricter = { ...siteSchema, required: ['site_id', 'duration_seconds'] };
    const changed = await admin('PATCH', '/v1/event-types/site.deleted', {
      schema: stricter,
      example: { site_id: 'cm1', duration_seconds: 1 },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.version).toBe(2);
    const refused = await r.call('POST', '/v1/events', {
      token: apiKey,
      body: { event: 'site.deleted', data: { site_id: 'cm1' } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].field).toBe('data.duration_seconds');

    const deprecated = await admin('PATCH', '/v1/event-types/site.deleted', { deprecated: true });
    expect(deprecated.body).toMatchObject({ version: 3, deprecated: true });
    await changelog.waitFor(() => onChangelog('site.deleted').length === 3);
    expect(onChangelog('site.deleted').map((s) => [s.version, s.deprecated])).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    // The example no longer fits a changed schema: refused, nothing written.
    const misfit = await admin('PATCH', '/v1/event-types/site.deleted', {
      schema: siteSchema,
      example: {},
    });
    expect(misfit.status).toBe(400);
    expect((await r.call('GET', '/v1/event-types/site.deleted')).body.version).toBe(3);
    expect(
      (await admin('PATCH', '/v1/event-types/webhook.disabled', { deprecated: true })).status,
    ).toBe(400);
    expect((await admin('PATCH', '/v1/event-types/nope.nope', { deprecated: true })).status).toBe(
      404,
    );
  });

  it('should import the Hostwares catalog file and publish its documented payload', async () => {
    const hostwares = catalogFile('hostwares.json');
    for (const type of hostwares.event_types) {
      const res = await admin('POST', '/v1/event-types', type);
      expect([201, 409]).toContain(res.status);
    }
    const completed = hostwares.event_types.find((t) => t.name === 'deployment.completed')!;
    const res = await r.call('POST', '/v1/events', {
      token: apiKey,
      body: { event: completed.name, data: completed.example },
    });
    expect(res.status).toBe(202);
  });
});
