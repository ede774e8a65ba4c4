import type { DataSource, EntityManager } from 'typeorm';
import { newId, type EventEnvelope } from '@hookline/contracts';
import { createDataSource } from '@hookline/persistence';
import { startTracing, stopTracing, tracer } from '@hookline/telemetry';
import {
  TopicCollector,
  createTestDatabase,
  createTestTopics,
  pollUntil,
  type TestDatabase,
  type TestTopics,
} from '@hookline/testing';
import { createEventPublisher, type EventPublisher } from '../event-publisher';
import { outbox } from './event-outbox';
import { OutboxRelay } from './outbox-relay';

const member = (user: string) => ({
  project_id: 'acme',
  user_id: user,
  email: `${user}@example.com`,
  role: 'developer' as const,
});

describe('EventOutbox', () => {
  let db: TestDatabase;
  let topics: TestTopics;
  let dataSource: DataSource;
  let publisher: EventPublisher;
  let collector: TopicCollector;
  const relays: OutboxRelay[] = [];

  const relay = (p: EventPublisher = publisher, onError?: (e: unknown) => void) => {
    const r = new OutboxRelay({
      dataSource,
      publisher: p,
      pollIntervalMs: 200,
      retryDelayMs: 100,
      onError,
    });
    relays.push(r);
    return r;
  };
  /** A domain change (a row in `projects`) and its event, in one transaction. */
  const addMember = (m: EntityManager, projectId: string, user: string) =>
    m
      .query('insert into projects (id, name) values ($1, $2)', [newId('project'), user])
      .then(() => outbox.add(m, 'project.member.created', member(user), { projectId }));
  const unpublished = async () =>
    Number(
      (
        await dataSource.query('select count(*) as n from event_outbox where published_at is null')
      )[0].n,
    );

  beforeAll(async () => {
    startTracing('outbox-test');
    [db, topics] = await Promise.all([createTestDatabase('producer_outbox'), createTestTopics()]);
    dataSource = createDataSource({ url: db.url, poolSize: 5 });
    await dataSource.initialize();
    publisher = createEventPublisher({
      brokers: topics.brokers,
      clientId: 'outbox-test',
      topicPrefix: topics.prefix,
    });
    collector = await TopicCollector.start(topics.kafka, [topics.topics.events]);
  });
  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await publisher?.disconnect();
    await collector?.stop();
    await dataSource?.destroy();
    await Promise.all([db?.drop(), topics?.drop()]);
    await stopTracing();
  });

  it('should publish nothing for a rolled-back transaction', async () => {
    relay().start();
    const projectId = newId('project');
    const rolledBack = await dataSource
      .transaction(async (m) => {
        await addMember(m, projectId, 'rollback');
        throw new Error('the domain change failed');
      })
      .catch((e: Error) => e.message);
    expect(rolledBack).toBe('the domain change failed');
    const committed = await dataSource.transaction((m) => addMember(m, projectId, 'commit'));

    // Same project, same partition: once the committed event is read, an earlier one would be too.
    await collector.waitFor(() => collector.byKey(projectId).length > 0);
    expect(collector.json<EventEnvelope>(projectId).map((e) => e.id)).toEqual([committed.id]);
    const names = (await dataSource.query('select name from projects')) as { name: string }[];
    expect(names.map((n) => n.name)).not.toContain('rollback');
  });

  it('should publish after a restart exactly the events committed while no relay published', async () => {
    const projectId = newId('project');
    const first = await dataSource.transaction(async (m) => [
      await addMember(m, projectId, 'ada'),
      await addMember(m, projectId, 'grace'),
    ]);
    await dataSource
      .transaction(async (m) => {
        await addMember(m, projectId, 'mallory');
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    const second = await dataSource.transaction((m) => addMember(m, projectId, 'linus'));
    const committed = [...first, second].map((r) => r.id);

    // A relay that dies before anything reaches Kafka.
    const crashes: unknown[] = [];
    const broken = {
      publishPrepared: () => Promise.reject(new Error('crashed before publishing')),
    } as unknown as EventPublisher;
    const crashing = relay(broken, (e) => crashes.push(e));
    crashing.start();
    await pollUntil(() => crashes.length > 0, { message: 'the broken relay to try' });
    await crashing.stop();
    expect(await unpublished()).toBe(3);

    relay().start();
    await collector.waitFor(() => collector.byKey(projectId).length >= 3);
    await pollUntil(async () => (await unpublished()) === 0, { message: 'rows marked published' });
    expect(collector.json<EventEnvelope>(projectId).map((e) => e.id)).toEqual(committed);
  });

  it('should let one relay publish while another stands by, and hand over when it stops', async () => {
    const [a, b] = [relay(), relay()];
    a.start();
    b.start();
    const leader = await pollUntil(() => (a.isLeader ? a : b.isLeader ? b : undefined), {
      message: 'a leader',
    });
    const standby = leader === a ? b : a;
    expect(standby.isLeader).toBe(false);

    await leader.stop();
    await pollUntil(() => standby.isLeader, { message: 'the standby to take over' });
    const projectId = newId('project');
    const { id } = await dataSource.transaction((m) => addMember(m, projectId, 'handover'));
    await collector.waitFor(() => collector.byKey(projectId).length === 1);
    expect(collector.json<EventEnvelope>(projectId)[0]!.id).toBe(id);
  });

  it('should continue the trace of the transaction that added the event', async () => {
    relay().start();
    const projectId = newId('project');
    const traceId = await tracer('test').startActiveSpan('signup', async (span) => {
      await dataSource.transaction((m) => addMember(m, projectId, 'traced'));
      span.end();
      return span.spanContext().traceId;
    });
    await collector.waitFor(() => collector.byKey(projectId).length === 1);
    expect(collector.byKey(projectId)[0]!.headers.traceparent).toContain(`00-${traceId}-`);
  });

  it('should refuse to add outside a transaction', async () => {
    await expect(
      outbox.add(dataSource.manager, 'project.member.created', member('x'), {
        projectId: newId('project'),
      }),
    ).rejects.toThrow('transaction');
  });
});
