import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { parseConfig } from '@hookline/config';
import { newId } from '@hookline/contracts';
import {
  TcpProxy,
  createTestDatabase,
  pollUntil,
  testStackEnv,
  type TestDatabase,
} from '@hookline/testing';
import { generateApiKey, hashApiKey } from '../auth/api-key.secret';
import { createRegistryApp } from '../registry.app';

describe('the API while Postgres is unreachable', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let app: INestApplication;
  let base: string;
  let apiKey: string;

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    db = await createTestDatabase('registry_pg_outage');
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const projectId = newId('project');
    apiKey = generateApiKey();
    try {
      await pg.query('insert into projects (id, name) values ($1, $2)', [projectId, 'outage']);
      await pg.query(
        'insert into api_keys (id, project_id, key_prefix, key_hash) values ($1, $2, $3, $4)',
        [newId('apiKey'), projectId, apiKey.slice(0, 8), hashApiKey(apiKey)],
      );
    } finally {
      await pg.end();
    }
    // The registry reaches Postgres only through a proxy the test cuts and restores.
    const url = new URL(db.url);
    proxy = await TcpProxy.start(`${url.hostname}:${url.port}`);
    url.host = proxy.address;
    app = await createRegistryApp(
      parseConfig({
        DATABASE_URL: url.toString(),
        KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(','),
        HOOKLINE_API_PORT: '0',
        HOOKLINE_LOG_LEVEL: 'silent',
      }),
    );
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await proxy?.open(); // the app's pool closes its connections cleanly
    await app?.close();
    await Promise.all([proxy?.close(), db?.drop()]);
  });

  it('should answer 503 with Retry-After, not 500, and serve again once it is back', async () => {
    expect((await call('GET', '/v1/webhooks')).status).toBe(200);

    await proxy.close();
    const started = Date.now();
    for (const [method, path, body] of [
      ['GET', '/v1/webhooks', undefined],
      ['POST', '/v1/webhooks', { url: 'https://example.com/hook', events: ['*'] }],
    ] as const) {
      const res = await call(method, path, body);
      expect({ method, status: res.status }).toEqual({ method, status: 503 });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    }
    // Refused within the pool's connection timeout, not after a client's patience ran out.
    expect(Date.now() - started).toBeLessThan(15_000);

    await proxy.open();
    await pollUntil(async () => (await call('GET', '/v1/webhooks')).status === 200, {
      timeoutMs: 30_000,
      message: 'served again',
    });
  }, 60_000);
});
