import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { parseConfig, type HooklineConfig } from '@hookline/config';
import {
  createTestDatabase,
  createTestTopics,
  type TestDatabase,
  type TestTopics,
} from '@hookline/testing';
import { startGrpcServer } from '../grpc/grpc.server';
import { createRegistryApp } from '../registry.app';

export interface RegistryHarness {
  app: INestApplication;
  url: string;
  config: HooklineConfig;
  db: TestDatabase;
  topics: TestTopics;
  adminToken: string;
  /** Calls the API with an optional bearer token; JSON in, JSON out (the body untyped, as tests read it freely). */
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; rawBody?: string; contentType?: string },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** A new project; answers its id and first API key. */
  project(name?: string): Promise<{ id: string; apiKey: string }>;
  /** Closes the app only (a replica going away); the database and topics stay. Idempotent. */
  stop(): Promise<void>;
  /** stop(), then drops the database and topics this harness created. */
  close(): Promise<void>;
}

export interface SharedStack {
  db: TestDatabase;
  topics: TestTopics;
  adminToken: string;
  encryptionKey: string;
}

/**
 * The registry in-process on its own database and topic prefix, on a free port. Pass `shared`
 * (another harness) to run a second replica on the same database, topics and keys; closing a
 * replica drops only what it created.
 */
export async function startRegistry(
  env: Record<string, string> = {},
  shared?: SharedStack,
): Promise<RegistryHarness & SharedStack> {
  const db = shared?.db ?? (await createTestDatabase('registry'));
  const topics = shared?.topics ?? (await createTestTopics(undefined, 3, 3));
  const adminToken = shared?.adminToken ?? `admin_${randomBytes(16).toString('hex')}`;
  const encryptionKey = shared?.encryptionKey ?? randomBytes(32).toString('base64');
  const config = parseConfig({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: topics.brokers.join(','),
    HOOKLINE_TOPIC_PREFIX: topics.prefix,
    HOOKLINE_RETRY_SCHEDULE: '1s,2s,3s',
    HOOKLINE_ADMIN_TOKEN: adminToken,
    HOOKLINE_ENCRYPTION_KEY: encryptionKey,
    HOOKLINE_ALLOW_HTTP: 'true',
    HOOKLINE_ALLOW_PRIVATE_URLS: 'true',
    HOOKLINE_LOG_LEVEL: 'warn',
    // Off unless a test asks for it with a free port (HOOKLINE_GRPC_PORT: String(await freePort())).
    HOOKLINE_GRPC_PORT: '0',
    ...env,
  });
  const app = await createRegistryApp(config);
  await startGrpcServer(app, config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let closed: Promise<void> | undefined;
  const stop = () => (closed ??= app.close());
  const call: RegistryHarness['call'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    app,
    url,
    config,
    db,
    topics,
    adminToken,
    encryptionKey,
    call,
    async project(name = 'Acme') {
      const res = await call('POST', '/v1/projects', { token: adminToken, body: { name } });
      if (res.status !== 201) throw new Error(`project: ${res.status} ${JSON.stringify(res.body)}`);
      return { id: res.body.id, apiKey: res.body.api_key };
    },
    stop,
    async close() {
      await stop();
      if (shared) return;
      await db.drop();
      await topics.drop();
    },
  };
}
