import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { parseConfig } from '@hookline/config';
import {
  createTestDatabase,
  freePort,
  pollUntil,
  testStackEnv,
  type TestDatabase,
} from '@hookline/testing';
import { createRegistryApp } from '../registry.app';
import { startRegistryOpsServer } from './ops-port';

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

  it('should keep an idle keep-alive connection open longer than clients keep theirs', async () => {
    const { hostname, port } = new URL(base);
    const socket = connect(Number(port), hostname);
    const answers: string[] = [];
    socket.setEncoding('utf8').on('data', (chunk: string) => answers.push(chunk));
    const ask = async () => {
      const before = answers.length;
      socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      await pollUntil(() => answers.length > before || socket.destroyed, { timeoutMs: 5000 });
      return answers.slice(before).join('');
    };
    try {
      expect(await ask()).toMatch(/^HTTP\/1\.1 200/);
      // Past Node's default of 5 s, which closed the connection under a client about to reuse it.
      await new Promise((r) => setTimeout(r, 6000));
      expect(socket.destroyed || socket.readyState !== 'open').toBe(false);
      expect(await ask()).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      socket.destroy();
    }
  }, 20_000);

  it('should expose Prometheus metrics', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('process_cpu_user_seconds_total');
  });
});

describe('HOOKLINE_METRICS_PORT on the registry', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let ops: Server;
  let api: string;
  let opsUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase('registry_ops');
    const config = parseConfig({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: testStackEnv().kafkaBrokers.join(','),
      HOOKLINE_API_PORT: String(await freePort()),
      HOOKLINE_METRICS_PORT: String(await freePort()),
    });
    app = await createRegistryApp(config);
    ops = (await startRegistryOpsServer(app, config))!;
    await app.listen(config.HOOKLINE_API_PORT, '127.0.0.1');
    api = `http://127.0.0.1:${config.HOOKLINE_API_PORT}`;
    opsUrl = `http://127.0.0.1:${(ops.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    ops?.close();
    await app?.close();
    await db?.drop();
  });

  it('should serve /metrics, /healthz and /readyz on the ops port', async () => {
    const metrics = await fetch(`${opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('process_cpu_user_seconds_total');
    expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${opsUrl}/readyz`);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { postgres: true, kafka: true },
    });
  });

  it('should not serve /metrics on the API port, which the public Service exposes', async () => {
    const res = await fetch(`${api}/metrics`);
    expect(res.status).toBe(404);
    expect((await fetch(`${api}/healthz`)).status).toBe(200);
  });
});
