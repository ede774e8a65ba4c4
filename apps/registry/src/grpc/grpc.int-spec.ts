import { dirname, join } from 'node:path';
import {
  Metadata,
  credentials,
  loadPackageDefinition,
  status,
  type Client,
  type ServiceClientConstructor,
  type ServiceError,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { DataSource } from 'typeorm';
import {
  BUILT_IN_EXAMPLES,
  HOOKLINE_GRPC_SERVICES,
  HOOKLINE_PROTO_FILES,
  deliveryId,
  hooklineProtoDir,
  newId,
  type EventEnvelope,
} from '@hookline/contracts';
import { DeliveryLogRepository } from '@hookline/persistence';
import { HooklineGrpcClient, HooklineGrpcError } from '@hookline/sdk/grpc';
import { TopicCollector, freePort } from '@hookline/testing';
import { startRegistry, type RegistryHarness } from '../testing/registry-harness';
import { GrpcHealth } from './grpc-health';

type Unary = (
  req: object,
  metadata: Metadata,
  cb: (err: ServiceError | null, res: Record<string, unknown>) => void,
) => void;

/** A raw @grpc/grpc-js client of one service of a loaded package definition. */
function rawClient(definition: object, service: string, address: string): Client {
  let ctor: unknown = loadPackageDefinition(definition as never);
  for (const part of service.split('.')) ctor = (ctor as Record<string, unknown>)[part];
  return new (ctor as ServiceClientConstructor)(address, credentials.createInsecure());
}

function unary(client: Client, method: string, req: object, metadata = new Metadata()) {
  return new Promise<Record<string, unknown>>((resolve, reject) =>
    (client as unknown as Record<string, Unary>)[method]!.call(client, req, metadata, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

/** The gRPC API against the registry on the real test stack (Postgres, Kafka). */
describe('registry gRPC API', () => {
  let r: RegistryHarness;
  let address: string;
  let projectId: string;
  let key: string;
  let hl: HooklineGrpcClient;
  let collector: TopicCollector;
  let log: DeliveryLogRepository;
  const clients: Client[] = [];
  const url = 'http://127.0.0.1:4000/hook';

  /** The error a call failed with (the test fails if it succeeded). */
  const failure = async (call: Promise<unknown>): Promise<HooklineGrpcError> => {
    const error = await call.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof HooklineGrpcError)) throw new Error(`expected a gRPC error: ${error}`);
    return error;
  };

  beforeAll(async () => {
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    r = await startRegistry({ HOOKLINE_GRPC_PORT: String(port) });
    ({ id: projectId, apiKey: key } = await r.project());
    hl = new HooklineGrpcClient({ address, apiKey: key });
    collector = await TopicCollector.start(r.topics.kafka, [
      r.topics.topics.events,
      r.topics.topics.deliveries,
    ]);
    log = new DeliveryLogRepository(r.app.get(DataSource));
  });
  afterAll(async () => {
    hl?.close();
    for (const c of clients) c.close();
    await collector?.stop();
    await r?.close();
  });

  it('should create, get, list, update, rotate and delete webhooks with the HTTP API answers', async () => {
    const created = await hl.webhooks.create(url, ['project.*'], {
      description: 'over gRPC',
      batch: { max_events: 10, max_wait_ms: 500 },
    });
    expect(created).toMatchObject({
      id: expect.stringMatching(/^wh_/),
      project_id: projectId,
      url,
      events: ['project.*'],
      description: 'over gRPC',
      active: true,
      signature_scheme: 'standard',
      signature_header: null,
      format: 'envelope',
      batch: { max_events: 10, max_wait_ms: 500 },
      verification: null,
      secret: expect.stringMatching(/^whsec_/),
      old_secret_expires_at: null,
      disabled_reason: null,
    });
    // The same resource as over HTTP, nulls included.
    const overHttp = await r.call('GET', `/v1/webhooks/${created.id}`, { token: key });
    expect(await hl.webhooks.get(created.id)).toEqual(overHttp.body);

    const updated = await hl.webhooks.update(created.id, {
      description: null,
      batch: null,
      active: false,
      events: ['project.updated', 'ignite.deployment.*'],
    });
    expect(updated).toMatchObject({
      description: null,
      batch: null,
      active: false,
      events: ['project.updated', 'ignite.deployment.*'],
    });
    expect(updated.secret).toBeUndefined();

    const rotated = await hl.webhooks.rotateSecret(created.id, 2);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.old_secret_expires_at!)).toBeGreaterThan(Date.now() + 3_500_000);
    expect(rotated.webhook.id).toBe(created.id);

    const second = await hl.webhooks.create(url, ['*']);
    const first = await hl.webhooks.page({ limit: 1 });
    expect(first.data.map((w) => w.id)).toEqual([created.id]);
    const next = await hl.webhooks.page({ limit: 1, cursor: first.next_cursor! });
    expect(next.data.map((w) => w.id)).toEqual([second.id]);
    expect(next.next_cursor).toBeNull();

    await hl.webhooks.delete(second.id);
    expect((await failure(hl.webhooks.get(second.id))).status).toBe(status.NOT_FOUND);
    expect((await failure(hl.webhooks.delete(second.id))).status).toBe(status.NOT_FOUND);
    // Another project's key does not see it (NOT_FOUND, as HTTP's 404).
    const other = new HooklineGrpcClient({ address, apiKey: (await r.project('other')).apiKey });
    try {
      expect((await failure(other.webhooks.get(created.id))).status).toBe(status.NOT_FOUND);
    } finally {
      other.close();
    }
  });

  it('should carry the per-webhook delivery settings and the circuit as the HTTP API does', async () => {
    const created = await hl.webhooks.create(url, ['project.*'], {
      throttle_per_second: 2.5,
      retry_schedule: [1000, 3000],
      disable_after_failed_deliveries: 0,
      headers: { Authorization: 'Bearer t', 'X-Tenant': 'acme' },
    });
    expect(created).toMatchObject({
      throttle_per_second: 2.5,
      retry_schedule: [1000, 3000],
      disable_after_failed_deliveries: 0,
      headers: { Authorization: 'Bearer t', 'X-Tenant': 'acme' },
    });
    const overHttp = await r.call('GET', `/v1/webhooks/${created.id}`, { token: key });
    expect(overHttp.body.circuit).toEqual({ state: 'closed', opened_at: null, failures: 0 });
    expect(await hl.webhooks.get(created.id)).toEqual(overHttp.body);
    const cleared = await hl.webhooks.update(created.id, {
      throttle_per_second: null,
      retry_schedule: null,
      disable_after_failed_deliveries: null,
      headers: null,
    });
    expect(cleared).toMatchObject({
      throttle_per_second: null,
      retry_schedule: null,
      disable_after_failed_deliveries: null,
      headers: null,
    });
  });
  it('should publish an event once when the same id is published twice', async () => {
    const id = newId('event');
    const data = BUILT_IN_EXAMPLES['project.updated'] as never;
    expect(await hl.events.publish('project.updated', data, { id })).toEqual({ id });
    expect(await hl.events.publish('project.updated', data, { id })).toEqual({ id });
    // Keyed by project: the marker comes after both on the same partition.
    const marker = await hl.events.publish('project.updated', data);
    const published = (eventId: string) =>
      collector.messages.filter((m) => JSON.parse(m.value).id === eventId);
    await collector.waitFor(() => published(marker.id).length === 1);
    expect(published(id)).toHaveLength(1);
    expect(JSON.parse(published(id)[0]!.value)).toMatchObject({
      id,
      project_id: projectId,
      event: 'project.updated',
      data,
    });
  });

  it('should list and get deliveries and redeliver one as a manual task', async () => {
    const wh = await hl.webhooks.create(url, ['*']);
    const eventId = newId('event');
    const event = {
      id: eventId,
      project_id: projectId,
      event: 'project.updated',
      occurred_at: new Date().toISOString(),
      data: { n: 1 },
    } as unknown as EventEnvelope;
    const id = deliveryId(eventId, wh.id);
    // As the dispatcher records a failed attempt.
    await log.writeAttempts([
      {
        deliveryId: id,
        webhookId: wh.id,
        projectId,
        event,
        attempt: 1,
        trigger: 'automatic',
        url,
        requestHeaders: { 'webhook-id': id },
        responseStatus: 500,
        responseBody: 'boom',
        durationMs: 12,
        errorClass: 'http_status',
        error: 'HTTP 500',
        startedAt: new Date(),
        status: 'failed',
        nextAttemptAt: null,
        chain: 0,
        createdAt: null,
      },
    ]);

    const page = await hl.deliveries.page(wh.id);
    expect(page.data.map((d) => d.id)).toEqual([id]);
    expect(page.data[0]).toMatchObject({ status: 'failed', attempts: 1, next_attempt_at: null });
    expect((await hl.deliveries.projectPage({ status: 'failed' })).data.map((d) => d.id)).toContain(
      id,
    );
    expect((await hl.deliveries.page(wh.id, { status: 'succeeded' })).data).toEqual([]);

    const delivery = await hl.deliveries.get(id);
    const overHttp = await r.call('GET', `/v1/deliveries/${id}`, { token: key });
    expect(delivery).toEqual(overHttp.body);
    expect(delivery.attempts_log[0]).toMatchObject({
      attempt: 1,
      response_status: 500,
      request_headers: { 'webhook-id': id },
    });

    expect(await hl.deliveries.redeliver(id)).toEqual({
      delivery_id: id,
      attempt: 2,
      status: 'queued',
    });
    await collector.waitFor((m) => m.some((x) => JSON.parse(x.value).delivery_id === id));
    const task = collector.messages.find((x) => JSON.parse(x.value).delivery_id === id)!;
    expect(JSON.parse(task.value)).toMatchObject({ webhook_id: wh.id, attempt: 2, manual: true });
    expect((await failure(hl.deliveries.get('del_missing'))).status).toBe(status.NOT_FOUND);
  });

  it('should let a read key list and get, and refuse its writes as PERMISSION_DENIED naming the scope', async () => {
    const wh = await hl.webhooks.create(url, ['*']);
    const read = await r.call('POST', '/v1/api-keys', { token: key, body: { scope: 'read' } });
    const reader = new HooklineGrpcClient({ address, apiKey: read.body.key });
    try {
      expect((await reader.webhooks.get(wh.id)).id).toBe(wh.id);
      expect((await reader.webhooks.page()).data.length).toBeGreaterThan(0);
      const error = await failure(reader.webhooks.create(url, ['*']));
      expect(error.status).toBe(status.PERMISSION_DENIED);
      expect(error.code).toBe('insufficient_scope');
      expect((await failure(reader.webhooks.delete(wh.id))).status).toBe(status.PERMISSION_DENIED);
    } finally {
      reader.close();
    }
  });

  it('should refuse a call without an API key, or with a wrong or revoked one, as UNAUTHENTICATED', async () => {
    const definition = loadSync([...HOOKLINE_PROTO_FILES], { includeDirs: [hooklineProtoDir()] });
    const raw = rawClient(definition, HOOKLINE_GRPC_SERVICES.webhooks, address);
    clients.push(raw);
    const none = await unary(raw, 'ListWebhooks', {}).catch((e: ServiceError) => e);
    expect(none).toMatchObject({ code: status.UNAUTHENTICATED });

    const wrong = new HooklineGrpcClient({ address, apiKey: 'hlk_not_a_key' });
    const revokedKey = await r.call('POST', '/v1/api-keys', { token: key, body: {} });
    await r.call('DELETE', `/v1/api-keys/${revokedKey.body.id}`, { token: key });
    const revoked = new HooklineGrpcClient({ address, apiKey: revokedKey.body.key });
    // A portal link is the console's: not a key for the gRPC API.
    const portal = await r.call('POST', '/v1/portal-sessions', { token: key, body: {} });
    const portalToken = new URL(portal.body.url).hash.match(/hlp_[^&]+/)?.[0] ?? 'hlp_x';
    const viaPortal = new HooklineGrpcClient({ address, apiKey: portalToken });
    try {
      for (const client of [wrong, revoked, viaPortal]) {
        const error = await failure(client.webhooks.page());
        expect(error.status).toBe(status.UNAUTHENTICATED);
        expect(error.code).toBe('unauthorized');
      }
    } finally {
      for (const client of [wrong, revoked, viaPortal]) client.close();
    }
  });

  it('should answer INVALID_ARGUMENT naming the field for bad and hostile input, never INTERNAL', async () => {
    const wh = await hl.webhooks.create(url, ['*']);
    const cases: [string, () => Promise<unknown>, string][] = [
      ['missing url', () => hl.webhooks.create(undefined as never, ['*']), 'url'],
      ['unknown event type', () => hl.webhooks.create(url, ['no.such.type']), 'events[0]'],
      ['not a URL', () => hl.webhooks.create('ftp://x', ['*']), 'url'],
      ['NUL', () => hl.webhooks.create(url, ['*'], { description: 'a\u0000b' }), 'description'],
      ['huge transition', () => hl.webhooks.rotateSecret(wh.id, 1e308), 'transition_hours'],
      ['huge limit', () => hl.webhooks.page({ limit: 2 ** 31 - 1 }), 'limit'],
      [
        'bad batch',
        () => hl.webhooks.update(wh.id, { batch: { max_events: 0, max_wait_ms: 1 } }),
        'batch.max_events',
      ],
      ['NUL in an id', () => hl.webhooks.get('wh_\u0000'), 'id'],
      ['bad status', () => hl.deliveries.page(wh.id, { status: 'lost' as never }), 'status'],
      ['bad since', () => hl.deliveries.projectPage({ since: 'yesterday' }), 'since'],
      ['data not an object', () => hl.events.publish('project.updated', 5 as never), 'data'],
      ['unknown event', () => hl.events.publish('no.such' as never, {} as never), 'event'],
    ];
    for (const [name, call, field] of cases) {
      const error = await failure(call()).catch((e: Error) => new Error(`${name}: ${e.message}`));
      if (!(error instanceof HooklineGrpcError)) throw error;
      expect({ name, status: error.status, code: error.code }).toEqual({
        name,
        status: status.INVALID_ARGUMENT,
        code: 'invalid_request',
      });
      expect(error.details.map((d) => d.field)).toContain(field);
      expect(error.message).toContain(field.split(/[.[]/)[0]);
    }

    // `clear` of a field that cannot be null, or that does not exist, names it.
    const raw = rawClient(
      loadSync([...HOOKLINE_PROTO_FILES], { includeDirs: [hooklineProtoDir()], keepCase: true }),
      HOOKLINE_GRPC_SERVICES.webhooks,
      address,
    );
    clients.push(raw);
    const auth = new Metadata();
    auth.set('authorization', `Bearer ${key}`);
    for (const field of ['url', 'colour']) {
      const error = await unary(raw, 'UpdateWebhook', { id: wh.id, clear: [field] }, auth).catch(
        (e: ServiceError) => e,
      );
      expect(error).toMatchObject({ code: status.INVALID_ARGUMENT });
      expect((error as ServiceError).details).toContain(field);
    }
    // A string whose bytes are not UTF-8 (a UTF-16 surrogate, CESU-style; a client library cannot
    // even send a lone surrogate, it writes U+FFFD). Protobuf strings are UTF-8: the decoder reads
    // each bad byte as U+FFFD, so no lone surrogate reaches the services or Postgres.
    const definition = loadSync([...HOOKLINE_PROTO_FILES], { includeDirs: [hooklineProtoDir()] });
    const create = definition[`${HOOKLINE_GRPC_SERVICES.webhooks}`] as unknown as Record<
      string,
      { path: string; requestSerialize: (m: object) => Buffer }
    >;
    const bytes = Buffer.from(
      create.CreateWebhook!.requestSerialize({ url, events: ['*'], description: 'aQQQb' }),
    );
    bytes.set([0xed, 0xa0, 0x80], bytes.indexOf('QQQ'));
    const surrogate = await new Promise<Buffer>((resolve, reject) =>
      raw.makeUnaryRequest(
        create.CreateWebhook!.path,
        (b: Buffer) => b,
        (b: Buffer) => b,
        bytes,
        auth,
        (err: ServiceError | null, res?: Buffer) => (err ? reject(err) : resolve(res!)),
      ),
    );
    const stored = await hl.webhooks.get(
      (
        create.CreateWebhook as unknown as { responseDeserialize: (b: Buffer) => { id: string } }
      ).responseDeserialize(surrogate).id,
    );
    expect(stored.description).toBe('a\ufffd\ufffd\ufffdb');
    const events = rawClient(
      loadSync([...HOOKLINE_PROTO_FILES], { includeDirs: [hooklineProtoDir()], keepCase: true }),
      HOOKLINE_GRPC_SERVICES.events,
      address,
    );
    clients.push(events);
    const badJson = await unary(
      events,
      'PublishEvent',
      { event: 'project.updated', data: '{' },
      auth,
    ).catch((e: ServiceError) => e);
    expect(badJson).toMatchObject({ code: status.INVALID_ARGUMENT });

    // Larger than the HTTP API's body limit: refused before it is read (HTTP's 413).
    const huge = await failure(
      hl.webhooks.create(url, ['*'], { description: 'x'.repeat(300_000) }),
    );
    expect(huge.status).toBe(status.RESOURCE_EXHAUSTED);
    // Still serving.
    expect((await hl.webhooks.get(wh.id)).id).toBe(wh.id);
  });

  it('should answer grpc.health.v1 SERVING, list its services by reflection, and show in /readyz', async () => {
    const health = rawClient(
      loadSync(healthProtoPath, { keepCase: true, enums: String }),
      'grpc.health.v1.Health',
      address,
    );
    clients.push(health);
    for (const service of ['', ...Object.values(HOOKLINE_GRPC_SERVICES)])
      expect(await unary(health, 'Check', { service })).toEqual({ status: 'SERVING' });

    const reflectionProto = join(
      dirname(require.resolve('@grpc/reflection/package.json')),
      'build/proto/grpc/reflection/v1/reflection.proto',
    );
    const reflection = rawClient(
      loadSync(reflectionProto, { keepCase: true }),
      'grpc.reflection.v1.ServerReflection',
      address,
    );
    clients.push(reflection);
    const stream = (
      reflection as unknown as {
        ServerReflectionInfo: () => NodeJS.ReadWriteStream & {
          write(m: object): void;
          end(): void;
        };
      }
    ).ServerReflectionInfo();
    const answer = new Promise<{ list_services_response: { service: { name: string }[] } }>(
      (resolve, reject) => {
        stream.once('data', resolve);
        stream.once('error', reject);
      },
    );
    stream.write({ list_services: '' });
    const names = (await answer).list_services_response.service.map((s) => s.name);
    stream.end();
    expect(names).toEqual(expect.arrayContaining(Object.values(HOOKLINE_GRPC_SERVICES)));

    const ready = await r.call('GET', '/readyz');
    expect(ready.body.checks).toMatchObject({ grpc: true });
    // A server that stopped serving makes the registry not ready, and says so to health clients.
    const state = r.app.get(GrpcHealth);
    state.set(false);
    try {
      const notReady = await r.call('GET', '/readyz');
      expect(notReady.status).toBe(503);
      expect(notReady.body.checks).toMatchObject({ grpc: false });
      expect(await unary(health, 'Check', { service: '' })).toEqual({ status: 'NOT_SERVING' });
    } finally {
      state.set(true);
    }
  });
});
