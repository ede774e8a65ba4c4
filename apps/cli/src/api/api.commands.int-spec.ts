import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { HooklineClient } from '@hookline/sdk';
import {
  LoopbackReceiver,
  createTestDatabase,
  createTestTopics,
  freePort,
  spawnService,
  stopService,
  waitForHttp,
  type TestDatabase,
  type TestTopics,
} from '@hookline/testing';
import { runCli } from '../cli';
import { CapturedIo } from '../testing/captured-io';

/** Compiler errors of one generated module, on its own. */
function typeCheck(file: string): string[] {
  const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/**
 * The API commands against a real registry (its own process, database and topic prefix): an app
 * never imports another app, so the registry runs the way `npm start` runs it.
 */
describe('hookline API commands', () => {
  let db: TestDatabase;
  let topics: TestTopics;
  let registry: ChildProcess;
  let apiUrl: string;
  let apiKey: string;
  let adminToken: string;

  beforeAll(async () => {
    db = await createTestDatabase('cli');
    topics = await createTestTopics(undefined, 2, 1);
    const port = await freePort();
    adminToken = `hla_${randomBytes(18).toString('base64url')}`;
    apiUrl = `http://127.0.0.1:${port}`;
    registry = spawnService(
      'registry',
      {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        KAFKA_BROKERS: topics.brokers.join(','),
        HOOKLINE_TOPIC_PREFIX: topics.prefix,
        HOOKLINE_TOPIC_PARTITIONS: '1',
        HOOKLINE_RETRY_SCHEDULE: '1s,2s',
        HOOKLINE_API_PORT: String(port),
        HOOKLINE_GRPC_PORT: '0',
        HOOKLINE_ADMIN_TOKEN: adminToken,
        HOOKLINE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        HOOKLINE_ALLOW_PRIVATE_URLS: 'true',
        HOOKLINE_ALLOW_HTTP: 'true',
        HOOKLINE_LOG_LEVEL: 'warn',
      },
      { logName: 'cli-int-registry' },
    );
    await waitForHttp(`${apiUrl}/readyz`, 60_000, registry);
    apiKey = (await new HooklineClient({ baseUrl: apiUrl, adminToken }).projects.create('CLI'))
      .api_key;
  }, 90_000);

  afterAll(async () => {
    if (registry) await stopService(registry);
    await db?.drop();
    await topics?.drop();
  });

  async function hookline(...args: string[]) {
    const io = new CapturedIo({ HOOKLINE_API_URL: apiUrl, HOOKLINE_API_KEY: apiKey });
    const code = await runCli(args, { io });
    return { code, io, json: () => JSON.parse(io.text) };
  }

  it('should create, list, get, update, rotate and delete a webhook', async () => {
    const created = await hookline(
      'webhooks',
      'create',
      '--url',
      'http://127.0.0.1:4000/hook',
      '--events',
      'ignite.deployment.*,project.updated',
      '--description',
      'cli',
      '--json',
    );
    expect(created.code).toBe(0);
    const webhook = created.json();
    expect(webhook).toMatchObject({
      url: 'http://127.0.0.1:4000/hook',
      events: ['ignite.deployment.*', 'project.updated'],
      active: true,
    });
    expect(webhook.secret).toMatch(/^whsec_/);

    const table = await hookline('webhooks', 'list');
    expect(table.code).toBe(0);
    expect(table.io.stdout[0]).toMatch(/^ID\s+URL\s+EVENTS\s+SCHEME\s+STATE\s+DESCRIPTION$/);
    expect(table.io.stdout.find((l) => l.startsWith(webhook.id))).toMatch(
      /http:\/\/127\.0\.0\.1:4000\/hook\s+ignite\.deployment\.\*,project\.updated\s+standard\s+active\s+cli/,
    );

    const listed = await hookline('webhooks', 'list', '--json');
    expect(listed.json().map((w: { id: string }) => w.id)).toContain(webhook.id);

    const got = await hookline('webhooks', 'get', webhook.id);
    expect(got.io.stdout).toContainEqual(
      expect.stringMatching(/^url\s+http:\/\/127\.0\.0\.1:4000\/hook$/),
    );
    expect(got.io.text).not.toContain('whsec_');

    const disabled = await hookline(
      'webhooks',
      'update',
      webhook.id,
      '--disable',
      '--events',
      '*',
      '--json',
    );
    expect(disabled.code).toBe(0);
    expect(disabled.json()).toMatchObject({ active: false, events: ['*'] });
    const enabled = await hookline('webhooks', 'update', webhook.id, '--enable');
    expect(enabled.io.stdout).toContainEqual(expect.stringMatching(/^active\s+active$/));

    const rotated = await hookline(
      'webhooks',
      'rotate-secret',
      webhook.id,
      '--transition-hours',
      '1',
      '--json',
    );
    expect(rotated.code).toBe(0);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(webhook.secret);
    expect(Date.parse(rotated.json().old_secret_expires_at)).toBeGreaterThan(
      Date.now() + 3_500_000,
    );

    const deleted = await hookline('webhooks', 'delete', webhook.id);
    expect(deleted).toMatchObject({ code: 0 });
    expect(deleted.io.stdout).toEqual([`Deleted ${webhook.id}`]);
    const gone = await hookline('webhooks', 'get', webhook.id);
    expect(gone.code).toBe(3);
    expect(gone.io.stderr).toHaveLength(1);
    expect(gone.io.stderr[0]).toMatch(/^hookline: .*not found.*\[HTTP 404 not_found\]$/);
  });

  it("should retry a pending webhook's verification: exit 1 while the endpoint does not echo, 0 once it does", async () => {
    const receiver = await LoopbackReceiver.start();
    try {
      receiver.answer({ status: 200, body: 'not the code' });
      const client = new HooklineClient({ baseUrl: apiUrl, apiKey });
      const webhook = await client.webhooks.create(receiver.url, ['*'], {
        verification: { type: 'echo', code: 'cli-code' },
      });
      expect(webhook).toMatchObject({ active: false, disabled_reason: 'pending_verification' });

      const failed = await hookline('webhooks', 'verify', webhook.id);
      expect(failed.code).toBe(1);
      expect(failed.io.stderr.join('\n')).toContain('did not pass its verification');

      receiver.answer({ status: 200, body: 'cli-code' });
      const passed = await hookline('webhooks', 'verify', webhook.id, '--json');
      expect(passed.code).toBe(0);
      expect(passed.json()).toMatchObject({ passed: true, webhook: { active: true } });
    } finally {
      await receiver.close();
    }
  });

  it('should publish an event and print its id; the same --id twice gives the same id', async () => {
    const data = JSON.stringify({
      project_id: 'prj_x',
      name: 'Demo',
      tier: 'pro',
      region: 'eu-west-1',
    });
    const first = await hookline(
      'events',
      'publish',
      'project.updated',
      '--data',
      data,
      '--id',
      'evt_cli_idem_1',
    );
    expect(first.code).toBe(0);
    expect(first.io.stdout).toEqual(['Published evt_cli_idem_1 (project.updated)']);
    const again = await hookline(
      'events',
      'publish',
      'project.updated',
      '--data',
      data,
      '--id',
      'evt_cli_idem_1',
      '--json',
    );
    expect(again.json()).toMatchObject({ id: 'evt_cli_idem_1' });
  });

  it("should set and print the project's notification addresses, naming a bad one", async () => {
    const set = await hookline(
      'notifications',
      'set',
      '--email',
      'ops@example.com',
      '--email',
      'dev@example.com',
    );
    expect(set.code).toBe(0);
    expect(set.io.stdout).toEqual([
      'Emails: ops@example.com, dev@example.com',
      'Events: webhook.disabled, delivery.dead',
      'Mail is off on this deployment (no HOOKLINE_SMTP_URL).',
    ]);
    const got = await hookline('notifications', 'get', '--json');
    expect(got.json()).toMatchObject({ emails: ['ops@example.com', 'dev@example.com'] });
    const bad = await hookline(
      'notifications',
      'set',
      '--email',
      'ops@example.com',
      '--email',
      'nope',
    );
    expect(bad.code).toBe(1);
    expect(bad.io.stderr.join('\n')).toContain('emails[1]');
  });

  it('should recover, redeliver by filter, show progress, and list events and their deliveries', async () => {
    const hook = (
      await hookline(
        'webhooks',
        'create',
        '--url',
        'http://127.0.0.1:4000/recover',
        '--events',
        '*',
        '--json',
      )
    ).json() as { id: string };
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const recovered = await hookline('recover', hook.id, '--since', since, '--wait', '--json');
    expect(recovered.code).toBe(0);
    const recovery = recovered.json() as { id: string };
    expect(recovery).toMatchObject({ webhook_id: hook.id, status: 'done', total: 0, sent: 0 });
    const shown = await hookline('recoveries', 'show', recovery.id);
    expect(shown.io.stdout).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^id\\s+${recovery.id}$`))]),
    );
    const bulk = await hookline(
      'redeliver',
      '--status',
      'skipped',
      '--since',
      since,
      '--event-type',
      'project.updated',
      '--json',
    );
    expect(bulk.json()).toMatchObject({ webhook_id: null, statuses: ['skipped'] });
    expect((await hookline('redeliver', '--status', 'pending', '--since', since)).code).toBe(2);

    const listed = await hookline('events', 'list', '--type', 'project.updated', '--json');
    expect([listed.code, listed.json()]).toEqual([0, []]);
    const unknown = await hookline('events', 'deliveries', 'evt_cli_unknown');
    expect(unknown.code).not.toBe(0);
    expect(unknown.io.stderr.join('\n')).toMatch(/event not found/);
  });

  it('should list the event catalog without an API key', async () => {
    const io = new CapturedIo({ HOOKLINE_API_URL: apiUrl });
    expect(await runCli(['event-types'], { io })).toBe(0);
    expect(io.stdout[0]).toMatch(/^NAME\s+DESCRIPTION$/);
    expect(io.stdout).toContainEqual(
      expect.stringMatching(/^ignite\.deployment\.created\s+A deployment was created\.$/),
    );
    const json = new CapturedIo({ HOOKLINE_API_URL: apiUrl });
    await runCli(['event-types', '--json'], { io: json });
    expect(JSON.parse(json.text).map((t: { name: string }) => t.name)).toContain('webhook.ping');
  });

  it('should import a catalog file with one command, then publish one of its events', async () => {
    const file = join(__dirname, '..', '..', '..', '..', 'catalogs', 'cryptohopper.json');
    const noToken = await hookline('event-types', 'import', file);
    expect(noToken.code).not.toBe(0);
    const io = new CapturedIo({ HOOKLINE_API_URL: apiUrl, HOOKLINE_ADMIN_TOKEN: adminToken });
    expect(await runCli(['event-types', 'import', file], { io })).toBe(0);
    expect(io.stdout).toEqual(['created  trade_completed', 'Imported Cryptohopper: 1 event types']);
    const again = new CapturedIo({ HOOKLINE_API_URL: apiUrl, HOOKLINE_ADMIN_TOKEN: adminToken });
    expect(await runCli(['event-types', 'import', file], { io: again })).toBe(0);
    expect(again.stdout[0]).toBe('exists   trade_completed');

    const published = await hookline(
      'events',
      'publish',
      'trade_completed',
      '--data',
      '{"coin":"BTC"}',
    );
    expect(published.code).toBe(0);
    const refused = await hookline('events', 'publish', 'trade_completed', '--data', '{"coin":1}');
    expect(refused.code).toBe(1);
    expect(refused.io.stderr.join('\n')).toMatch(/data\.coin/);
  });

  it("should generate TypeScript types of the registry's current catalog", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'hookline-codegen-')), 'event-types.ts');
    const io = new CapturedIo({ HOOKLINE_API_URL: apiUrl });
    expect(await runCli(['event-types', 'codegen', '--out', out], { io })).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain("'ignite.deployment.container.metrics_update': {");
    expect(text).toMatch(/'trade_completed': \{\n\s+coin: string;/);
    const diagnostics = typeCheck(out);
    expect(diagnostics).toEqual([]);
  });

  it('should print an API error on one line with exit code 1, naming the bad fields', async () => {
    const badUrl = await hookline(
      'webhooks',
      'create',
      '--url',
      'ftp://example.com/x',
      '--events',
      '*',
    );
    expect(badUrl.code).toBe(1);
    expect(badUrl.io.stdout).toEqual([]);
    expect(badUrl.io.stderr).toEqual([
      expect.stringMatching(/^hookline: .*\(url: .*\) \[HTTP 400 invalid_request\]$/),
    ]);
    const badEvents = await hookline(
      'webhooks',
      'create',
      '--url',
      'http://127.0.0.1:4000/x',
      '--events',
      'nope.created',
    );
    expect(badEvents.code).toBe(1);
    expect(badEvents.io.stderr).toEqual([
      expect.stringMatching(
        /^hookline: .*\(events\[0\]: unknown event type "nope\.created".*\) \[HTTP 400 invalid_request\]$/,
      ),
    ]);

    const badData = await hookline('events', 'publish', 'project.updated', '--data', '{"name":1}');
    expect(badData.code).toBe(1);
    expect(badData.io.stderr[0]).toMatch(/data\.name/);
  });

  it('should answer exit code 1 for a wrong key or an unreachable API, and 2 for usage errors', async () => {
    const wrongKey = new CapturedIo({ HOOKLINE_API_URL: apiUrl, HOOKLINE_API_KEY: 'hlk_wrong' });
    expect(await runCli(['webhooks', 'list'], { io: wrongKey })).toBe(1);
    expect(wrongKey.stderr).toHaveLength(1);

    const down = new CapturedIo({
      HOOKLINE_API_URL: `http://127.0.0.1:${await freePort()}`,
      HOOKLINE_API_KEY: apiKey,
    });
    expect(await runCli(['webhooks', 'list'], { io: down })).toBe(1);
    expect(down.stderr).toEqual([
      expect.stringMatching(/^hookline: cannot reach http:\/\/127\.0\.0\.1:\d+: /),
    ]);

    const cases: string[][] = [
      ['webhooks', 'list', '--bogus'],
      ['webhooks', 'create', '--url', 'http://127.0.0.1/x'],
      ['webhooks', 'rotate-secret', 'wh_x', '--transition-hours', '25'],
      ['webhooks', 'update', 'wh_x'],
      ['events', 'publish', 'project.updated', '--data', '{not json'],
      ['deliveries', 'list', 'wh_x', '--status', 'lost'],
    ];
    for (const args of cases) {
      const run = await hookline(...args);
      expect([args.join(' '), run.code, run.io.stderr.length]).toEqual([args.join(' '), 2, 1]);
    }
    const noKey = new CapturedIo({ HOOKLINE_API_URL: apiUrl });
    expect(await runCli(['webhooks', 'list'], { io: noKey })).toBe(2);
    expect(noKey.stderr).toEqual([
      'hookline: no API key: set HOOKLINE_API_KEY or pass --api-key hlk_…',
    ]);
  });
  it('should create a read key with an expiry, list it, refuse its writes, revoke it, and mint one with the admin token', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await hookline(
      'api-keys',
      'create',
      '--name',
      'reader',
      '--scope',
      'read',
      '--expires-at',
      expiresAt,
      '--json',
    );
    expect(created.code).toBe(0);
    const key = created.json();
    expect(key).toMatchObject({ name: 'reader', scope: 'read', expires_at: expiresAt });

    const table = await hookline('api-keys', 'list');
    expect(table.io.stdout[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+SCOPE\s+EXPIRES\s+REVOKED$/);
    expect(table.io.stdout.find((l) => l.startsWith(key.id))).toMatch(/reader\s+hlk_\S+\s+read\s/);

    const io = new CapturedIo({ HOOKLINE_API_URL: apiUrl, HOOKLINE_API_KEY: key.key });
    expect(await runCli(['webhooks', 'list'], { io })).toBe(0);
    const write = new CapturedIo({ HOOKLINE_API_URL: apiUrl, HOOKLINE_API_KEY: key.key });
    const code = await runCli(
      ['webhooks', 'create', '--url', 'http://127.0.0.1:4000/hook', '--events', '*'],
      { io: write },
    );
    expect(code).toBe(1);
    expect(write.stderr.join('\n')).toMatch(/scope "read".*HTTP 403 insufficient_scope/);

    expect((await hookline('api-keys', 'revoke', key.id)).io.stdout).toEqual([`Revoked ${key.id}`]);
    const bad = await hookline('api-keys', 'create', '--scope', 'admin');
    expect(bad.code).not.toBe(0);

    const projectId = (await hookline('api-keys', 'list', '--json')).json()[0].project_id;
    const minted = new CapturedIo({ HOOKLINE_API_URL: apiUrl, HOOKLINE_ADMIN_TOKEN: adminToken });
    expect(
      await runCli(['api-keys', 'mint', projectId, '--name', 'ops', '--scope', 'read'], {
        io: minted,
      }),
    ).toBe(0);
    expect(minted.stdout.find((l) => l.startsWith('scope'))).toMatch(/read/);
    expect(minted.stdout.find((l) => l.startsWith('key '))).toMatch(/hlk_/);
    const noAdmin = await hookline('api-keys', 'mint', projectId);
    expect(noAdmin.code).not.toBe(0);
  });
});
