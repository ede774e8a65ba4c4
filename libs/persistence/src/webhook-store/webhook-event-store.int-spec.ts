import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { WebhookStateSchema, newId } from '@hookline/contracts';
import { createTestDatabase, pollUntil, type TestDatabase } from '@hookline/testing';
import { createDataSource } from '../data-source';
import { SecretBox } from '../secret-box';
import {
  ConcurrencyError,
  WEBHOOK_EVENTS_CHANNEL,
  WebhookEventStore,
  WebhookNotFoundError,
  type CreateWebhookInput,
} from './webhook-event-store';

interface EventRow {
  version: number;
  type: string;
  actor: string | null;
  state: Record<string, unknown> | null;
  change: Record<string, unknown>;
}

describe(WebhookEventStore.name, () => {
  let db: TestDatabase;
  let ds: DataSource;
  let other: DataSource;
  let box: SecretBox;
  let sut: WebhookEventStore;
  let projectId: string;

  const input = (overrides: Partial<CreateWebhookInput> = {}): CreateWebhookInput => ({
    projectId,
    url: 'https://hooks.example.test/in',
    events: ['*'],
    description: null,
    active: true,
    signatureScheme: 'standard',
    secret: `whsec_${randomBytes(32).toString('base64')}`,
    ...overrides,
  });
  const events = (id: string): Promise<EventRow[]> =>
    ds.query(
      'select version, type, actor, state, change from webhook_events where aggregate_id = $1 order by version',
      [id],
    );

  beforeAll(async () => {
    db = await createTestDatabase('webhook_store');
    ds = await createDataSource({ url: db.url, poolSize: 10 }).initialize();
    other = await createDataSource({ url: db.url, poolSize: 10 }).initialize();
    box = new SecretBox(randomBytes(32));
    sut = new WebhookEventStore(ds, box);
    projectId = newId('project');
    await ds.query('insert into projects (id, name) values ($1, $2)', [projectId, 'store']);
  });
  afterAll(async () => {
    await ds?.destroy();
    await other?.destroy();
    await db?.drop();
  });

  it('should append webhook.created with the full, encrypted state and NOTIFY on commit', async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (n) => notified.push(n.payload ?? ''));
    await listener.query(`listen ${WEBHOOK_EVENTS_CHANNEL}`);
    try {
      const secret = input().secret;
      const row = await sut.create(input({ secret }), 'key_1');
      const [created] = await events(row.id);
      expect(created).toMatchObject({ version: 1, type: 'webhook.created', actor: 'key_1' });
      const state = WebhookStateSchema.parse(created!.state);
      expect(state).toMatchObject({ id: row.id, project_id: projectId, version: 1, active: true });
      expect(JSON.stringify(created)).not.toContain(secret);
      expect(box.decrypt(row.id, state.secrets[0]!.ciphertext)).toBe(secret);
      await pollUntil(() => notified.includes(row.id), { timeoutMs: 5000 });
    } finally {
      await listener.end();
    }
  });

  it('should version every change and end with a tombstone on delete', async () => {
    const row = await sut.create(input(), 'key_1');
    await sut.update(row.id, projectId, { description: 'v2' }, 'key_2');
    await sut.rotateSecret(row.id, projectId, input().secret, 2, 'key_2');
    await sut.update(row.id, projectId, { active: false }, 'key_2');
    await sut.delete(row.id, projectId, 'key_3');
    const log = await events(row.id);
    expect(log.map((e) => [e.version, e.type])).toEqual([
      [1, 'webhook.created'],
      [2, 'webhook.updated'],
      [3, 'webhook.secret_rotated'],
      [4, 'webhook.disabled'],
      [5, 'webhook.deleted'],
    ]);
    expect((log[2]!.state as { secrets: unknown[] }).secrets).toHaveLength(2);
    expect(log[3]!.state).toMatchObject({ active: false, disabled_reason: 'manual' });
    expect(log[4]!.state).toBeNull();
    expect(await ds.query('select 1 from webhooks where id = $1', [row.id])).toHaveLength(0);
  });

  it('should keep the old secret until its expiry on rotation, and drop it with transition 0', async () => {
    const row = await sut.create(input(), null);
    const during = await sut.rotateSecret(row.id, undefined, input().secret, 24, null);
    expect(during.secrets).toHaveLength(2);
    expect(during.secrets[0]!.expires_at).toBeNull();
    expect(Date.parse(during.secrets[1]!.expires_at!) - Date.now()).toBeGreaterThan(
      23.9 * 3_600_000,
    );
    expect(during.secrets[1]!.ciphertext).toBe(row.secrets[0]!.ciphertext);
    const at = await sut.rotateSecret(row.id, undefined, input().secret, 0, null);
    expect(at.secrets).toHaveLength(1);
  });

  it('should answer WebhookNotFoundError for a missing webhook or another project', async () => {
    const row = await sut.create(input(), null);
    await expect(
      sut.update('wh_missing', projectId, { description: 'x' }, null),
    ).rejects.toBeInstanceOf(WebhookNotFoundError);
    await expect(
      sut.update(row.id, newId('project'), { description: 'x' }, null),
    ).rejects.toBeInstanceOf(WebhookNotFoundError);
    await expect(sut.delete(row.id, newId('project'), null)).rejects.toBeInstanceOf(
      WebhookNotFoundError,
    );
  });

  it('should lose no change when writers on two connection pools race', async () => {
    const row = await sut.create(input(), null);
    const rival = new WebhookEventStore(other, box);
    await Promise.all([
      sut.update(row.id, projectId, { description: 'from A' }, 'key_a'),
      rival.update(row.id, projectId, { events: ['project.updated'] }, 'key_b'),
      sut.update(row.id, projectId, { url: 'https://hooks.example.test/moved' }, 'key_a'),
      rival.rotateSecret(row.id, projectId, input().secret, 1, 'key_b'),
    ]);
    const [final] = await ds.query(
      'select description, events, url, secrets, version from webhooks where id = $1',
      [row.id],
    );
    expect(final).toMatchObject({
      description: 'from A',
      events: ['project.updated'],
      url: 'https://hooks.example.test/moved',
      version: 5,
    });
    expect(final.secrets).toHaveLength(2);
    expect((await events(row.id)).map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('should refuse a write against a stale expected version with ConcurrencyError', async () => {
    const row = await sut.create(input(), null);
    await sut.update(row.id, projectId, { description: 'moved on' }, null, { expectedVersion: 1 });
    await expect(
      sut.update(row.id, projectId, { description: 'stale' }, null, { expectedVersion: 1 }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    const [current] = await ds.query('select description, version from webhooks where id = $1', [
      row.id,
    ]);
    expect(current).toEqual({ description: 'moved on', version: 2 });
  });

  it('should count consecutive failed deliveries, reset them, and re-enable with the count at 0', async () => {
    const row = await sut.create(input(), null);
    expect(await sut.countFailedDelivery(row.id)).toEqual({ count: 1, active: true });
    await sut.resetFailedDeliveries(row.id);
    expect(await sut.countFailedDelivery(row.id)).toEqual({ count: 1, active: true });
    expect(await sut.countFailedDelivery(row.id)).toEqual({ count: 2, active: true });
    const disabled = await sut.disable(
      row.id,
      '2 consecutive failed deliveries',
      'system:dispatcher',
    );
    expect(disabled.changed).toBe(true);
    expect(await sut.countFailedDelivery(row.id)).toEqual({ count: 3, active: false });
    const log = await events(row.id);
    expect(log.at(-1)).toMatchObject({
      type: 'webhook.disabled',
      actor: 'system:dispatcher',
      change: { active: false, disabled_reason: '2 consecutive failed deliveries' },
    });

    const enabled = await sut.enable(row.id, 'key_1');
    expect(enabled).toMatchObject({ active: true, disabledReason: null, consecutiveFailures: 0 });
    expect((await events(row.id)).at(-1)!.type).toBe('webhook.enabled');

    expect(await sut.countFailedDelivery('wh_missing')).toBeNull();
  });

  it('should disable with a reason once, and count failures through a concurrent change', async () => {
    const row = await sut.create(input(), null);
    const gone = await sut.disable(row.id, 'endpoint answered 410 Gone', 'system:dispatcher');
    expect(gone.changed).toBe(true);
    expect(gone.webhook).toMatchObject({
      active: false,
      disabledReason: 'endpoint answered 410 Gone',
    });
    expect((await sut.disable(row.id, 'again', 'system:dispatcher')).changed).toBe(false);
    expect((await events(row.id)).filter((e) => e.type === 'webhook.disabled')).toHaveLength(1);

    const busy = await sut.create(input(), null);
    await sut.countFailedDelivery(busy.id);
    await sut.update(busy.id, projectId, { description: 'edited' }, 'key_1');
    await sut.countFailedDelivery(busy.id);
    const [count] = await ds.query('select consecutive_failures from webhooks where id = $1', [
      busy.id,
    ]);
    expect(count.consecutive_failures).toBe(2);
  });
});
