import type { INestApplication } from '@nestjs/common';
import { parseConfig } from '@hookline/config';
import { createTestDatabase, testStackEnv, type TestDatabase } from '@hookline/testing';
import { createRegistryApp } from '../registry.app';

describe('HealthController', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    db = await createTestDatabase('registry_health');
    const config = parseConfig({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(','),
      HOOKLINE_API_PORT: '0',
    });
    app = await createRegistryApp(config);
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('should answer /healthz', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('should be ready when Postgres and Kafka answer', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(await res.json()).toEqual({ status: 'ready', checks: { postgres: true, kafka: true } });
    expect(res.status).toBe(200);
  });

  it('should expose Prometheus metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('process_cpu_user_seconds_total');
  });
});
