import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createDataSource, ProjectEntity } from '@hookline/persistence';
import {
  createTestDatabase,
  createTestTopics,
  pollUntil,
  type TestDatabase,
  type TestTopics,
} from '@hookline/testing';
import { REPO_ROOT } from './stack-paths';

const stackCli = (...args: string[]) =>
  execFileSync(process.execPath, [join(REPO_ROOT, 'tools', 'bootstrap.js'), 'stack', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: '', KAFKA_BROKERS: '' },
    encoding: 'utf8',
  });

describe('local stack', () => {
  let db: TestDatabase;
  let topics: TestTopics;

  beforeAll(async () => {
    db = await createTestDatabase('stack');
    topics = await createTestTopics();
  });
  afterAll(async () => {
    await db?.drop();
    await topics?.drop();
  });

  it('should produce to and consume from a topic through a consumer group', async () => {
    const producer = topics.kafka.producer({ idempotent: true });
    const consumer = topics.kafka.consumer({ groupId: `${topics.prefix}group` });
    await producer.connect();
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: topics.topics.events, fromBeginning: true });
      const received: string[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => void received.push(message.value!.toString()),
      });
      await producer.send({
        topic: topics.topics.events,
        acks: -1,
        messages: [1, 2, 3].map((n) => ({ key: 'prj_1', value: `m${n}` })),
      });
      await pollUntil(() => received.length === 3, {
        timeoutMs: 30_000,
        message: '3 messages consumed',
      });
      expect(received).toEqual(['m1', 'm2', 'm3']);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
    }
  });

  it('should create the schema by migration and round-trip a row through TypeORM', async () => {
    const ds = createDataSource({ url: db.url, poolSize: 2 });
    await ds.initialize();
    try {
      const repo = ds.getRepository(ProjectEntity);
      await repo.insert({ id: 'prj_roundtrip', name: 'Round trip' });
      const row = await repo.findOneByOrFail({ id: 'prj_roundtrip' });
      expect(row.name).toBe('Round trip');
      expect(row.createdAt).toBeInstanceOf(Date);
      const migrations = await ds.query('select name from migrations');
      expect(migrations.length).toBeGreaterThan(0);
    } finally {
      await ds.destroy();
    }
  });

  it('should reuse the running stack when `up` runs twice', () => {
    const stateFile = join(REPO_ROOT, '.data', 'test', 'stack-test.json');
    const before = JSON.parse(readFileSync(stateFile, 'utf8'));
    const first = stackCli('up', '--test');
    const second = stackCli('up', '--test');
    for (const out of [first, second]) {
      expect(out).toContain(`reusing the running server (pid ${before.postgres.pid}`);
      expect(out).toContain(`reusing the running broker (pid ${before.kafka.pid}`);
    }
    const after = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(after.postgres.pid).toBe(before.postgres.pid);
    expect(after.kafka.pid).toBe(before.kafka.pid);
  });

  it('should answer with the stack status', async () => {
    expect(stackCli('status', '--test')).toMatch(/postgres: running.*\n.*kafka: +running/);
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.end();
  });
});
