import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { WebhookStateSchema, newId, type EncryptedSecret } from '@hookline/contracts';
import {
  REKEY_ACTOR,
  SecretBox,
  SecretResealer,
  WebhookEventStore,
  createDataSource,
} from '@hookline/persistence';
import { createTestDatabase, type TestDatabase } from '@hookline/testing';
import { REPO_ROOT } from '../stack/stack-paths';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const ring = (...keys: { id: string; key: Buffer }[]) =>
  keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');

describe('npm run secrets:rekey', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let projectId: string;
  const plaintexts = new Map<string, string[]>();

  const rekey = (keys: string) =>
    spawnSync(process.execPath, [join(REPO_ROOT, 'tools', 'bootstrap.js'), 'secrets:rekey'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        HOOKLINE_ENCRYPTION_KEYS: keys,
        HOOKLINE_ENCRYPTION_KEY: '',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const secretsOf = async (id: string) =>
    (
      (await ds.query('select secrets from webhooks where id = $1', [id])) as {
        secrets: EncryptedSecret[];
      }[]
    )[0]!.secrets;
  const eventsOf = (id: string) =>
    ds.query(
      'select version, type, actor, state from webhook_events where aggregate_id = $1 order by version',
      [id],
    ) as Promise<{ version: number; type: string; actor: string; state: unknown }[]>;
  const create = async (store: WebhookEventStore, rotate = false) => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const row = await store.create(
      {
        projectId,
        url: 'https://hooks.example.test/in',
        events: ['*'],
        description: null,
        active: true,
        signatureScheme: 'standard',
        secret,
      },
      'key_1',
    );
    plaintexts.set(row.id, [secret]);
    if (rotate) {
      const next = `whsec_${randomBytes(24).toString('base64')}`;
      await store.rotateSecret(row.id, undefined, next, 24, 'key_1');
      plaintexts.set(row.id, [next, secret]);
    }
    return row.id;
  };

  beforeAll(async () => {
    db = await createTestDatabase('rekey');
    ds = await createDataSource({ url: db.url, poolSize: 4 }).initialize();
    projectId = newId('project');
    await ds.query('insert into projects (id, name) values ($1, $2)', [projectId, 'rekey']);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('should re-seal every secret under the first key, publish each new state as an event, and change nothing on a second run', async () => {
    const old = new WebhookEventStore(ds, new SecretBox([k1]));
    const current = new WebhookEventStore(ds, new SecretBox([k2, k1]));
    const stale = [await create(old), await create(old, true), await create(old)];
    const upToDate = await create(current);
    const before = await secretsOf(stale[1]!);

    const first = rekey(ring(k2, k1));
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('done: 4 webhooks scanned, 3 re-sealed');

    const onlyK2 = new SecretBox([k2]);
    for (const id of [...stale, upToDate]) {
      const secrets = await secretsOf(id);
      expect(secrets.every((s) => s.ciphertext.startsWith('k2:'))).toBe(true);
      expect(secrets.map((s) => onlyK2.decrypt(id, s.ciphertext))).toEqual(plaintexts.get(id));
    }
    // The rotated-out secret keeps its expiry.
    expect((await secretsOf(stale[1]!)).map((s) => s.expires_at)).toEqual(
      before.map((s) => s.expires_at),
    );
    for (const id of stale) {
      const last = (await eventsOf(id)).at(-1)!;
      expect(last).toMatchObject({ type: 'webhook.secrets_resealed', actor: REKEY_ACTOR });
      // What the relay puts on the changelog: the re-sealed state, which the dispatcher opens.
      expect(WebhookStateSchema.parse(last.state).secrets).toEqual(await secretsOf(id));
    }
    expect((await eventsOf(upToDate)).map((e) => e.type)).toEqual(['webhook.created']);

    const counts = await ds.query('select count(*)::int as n from webhook_events');
    const second = rekey(ring(k2, k1));
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('done: 4 webhooks scanned, 0 re-sealed');
    expect(await ds.query('select count(*)::int as n from webhook_events')).toEqual(counts);
  });

  it('should walk every webhook in batches and report those no configured key opens', async () => {
    const k3 = { id: 'k3', key: randomBytes(32) };
    await create(new WebhookEventStore(ds, new SecretBox([k3])));
    const box = new SecretBox([{ id: 'k4', key: randomBytes(32) }, k2, k1]);
    const batches: number[] = [];
    const result = await new SecretResealer(ds, box, 2).run((p) => batches.push(p.scanned));
    expect(result).toMatchObject({ scanned: 5, resealed: 4 });
    expect(result.unreadable).toHaveLength(1);
    expect(batches).toEqual([2, 4, 5]);

    const cli = rekey(ring(k2));
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/no configured key opens the secrets of 5 webhooks/);
  });

  it('should refuse to run without a key ring in the environment', () => {
    const cli = rekey('');
    expect(cli.status).toBe(78);
    expect(cli.stderr).toMatch(/HOOKLINE_ENCRYPTION_KEYS/);
  });
});
