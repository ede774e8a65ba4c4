import { createServer, type Socket } from 'node:net';
import { trace } from '@opentelemetry/api';
import { EventEnvelopeSchema, KafkaHeaders, newId, type EventEnvelope } from '@hookline/contracts';
import { startTracing, stopTracing, tracer } from '@hookline/telemetry';
import { TopicCollector, createTestTopics, freePort, type TestTopics } from '@hookline/testing';
import { createEventPublisher, type EventPublisher } from './event-publisher';
import {
  BrokerUnavailableError,
  InvalidEventDataError,
  UnknownEventTypeError,
} from './publish-errors';

const rollout = (version: number) => ({
  deployment_id: 'dep_1',
  project_id: 'acme',
  rollout_id: `ro_${version}`,
  version,
  state: 'in_progress' as const,
});

describe('EventPublisher', () => {
  let topics: TestTopics;
  let collector: TopicCollector;
  let sut: EventPublisher;

  beforeAll(async () => {
    startTracing('producer-test');
    topics = await createTestTopics();
    collector = await TopicCollector.start(topics.kafka, [topics.topics.events]);
    sut = createEventPublisher({
      brokers: topics.brokers,
      clientId: 'producer-test',
      topicPrefix: topics.prefix,
    });
  });
  afterAll(async () => {
    await sut?.disconnect();
    await collector?.stop();
    await topics?.drop();
    await stopTracing();
  });

  it('should publish a valid envelope keyed by project id', async () => {
    const projectId = newId('project');
    const { id } = await sut.publish('ignite.deployment.rollout.created', rollout(1), {
      projectId,
    });

    const [message] = await collector
      .waitFor(() => collector.byKey(projectId).length === 1)
      .then(() => collector.byKey(projectId));
    const envelope = EventEnvelopeSchema.parse(JSON.parse(message!.value));
    expect(envelope).toMatchObject({
      id,
      project_id: projectId,
      event: 'ignite.deployment.rollout.created',
      data: rollout(1),
    });
    expect(message!.headers[KafkaHeaders.eventType]).toBe('ignite.deployment.rollout.created');
  });

  it('should reject bad data at run time and publish nothing', async () => {
    const projectId = newId('project');
    // `color` is a field the catalog does not name: accepted (events evolve); `version` is not.
    const bad = { ...rollout(1), version: 'one', color: 'red' } as unknown as ReturnType<
      typeof rollout
    >;
    const error = await sut
      .publish('ignite.deployment.rollout.updated', bad, { projectId })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidEventDataError);
    expect((error as InvalidEventDataError).issues.map((i) => i.field)).toEqual(['data.version']);

    const unknown = await sut
      .publish('ignite.deployment.exploded' as 'ignite.deployment.created', {} as never, {
        projectId,
      })
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownEventTypeError);

    // One bad event in a batch stops the whole batch.
    const many = await sut
      .publishMany([
        { type: 'ignite.deployment.rollout.updated', data: rollout(2), projectId },
        { type: 'ignite.deployment.rollout.updated', data: bad, projectId },
      ])
      .catch((e: unknown) => e);
    expect(many).toBeInstanceOf(InvalidEventDataError);

    // A later event of the same project (same partition) arrives alone.
    const { id } = await sut.publish('ignite.deployment.rollout.updated', rollout(3), {
      projectId,
    });
    await collector.waitFor(() => collector.byKey(projectId).length > 0);
    expect(collector.json<EventEnvelope>(projectId).map((e) => e.id)).toEqual([id]);
  });

  it('should keep each project in order under concurrent publishing', async () => {
    const projects = [newId('project'), newId('project'), newId('project')];
    const perProject = 300;
    const sends: Promise<{ id: string }>[] = [];
    for (let version = 1; version <= perProject; version++) {
      for (const projectId of projects) {
        sends.push(
          sut.publish('ignite.deployment.rollout.updated', rollout(version), { projectId }),
        );
      }
    }
    await Promise.all(sends);

    await collector.waitFor(() => projects.every((p) => collector.byKey(p).length === perProject));
    for (const projectId of projects) {
      const versions = collector
        .json<EventEnvelope>(projectId)
        .map((e) => (e.data as { version: number }).version);
      expect(versions).toEqual(Array.from({ length: perProject }, (_, i) => i + 1));
    }
  });

  it("should carry the caller's trace in traceparent", async () => {
    const projectId = newId('project');
    const caller = await tracer('test').startActiveSpan('checkout', async (span) => {
      await sut.publish('ignite.deployment.rollout.created', rollout(1), { projectId });
      span.end();
      return span.spanContext();
    });

    await collector.waitFor(() => collector.byKey(projectId).length === 1);
    const traceparent = collector.byKey(projectId)[0]!.headers.traceparent;
    const [, traceId, parentSpanId] =
      /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent ?? '') ?? [];
    expect(traceId).toBe(caller.traceId);
    // The caller's span: the PRODUCER span between them is the kafkajs instrumentation's, which
    // the services load through startTracing (it is not loaded inside jest).
    expect(parentSpanId).toBe(caller.spanId);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('should fail with BrokerUnavailableError, in bounded time, when Kafka is unreachable', async () => {
    const closed = createEventPublisher({
      brokers: [`127.0.0.1:${await freePort()}`],
      clientId: 'producer-test-closed',
      topicPrefix: topics.prefix,
      connectTimeoutMs: 1500,
    });
    const started = Date.now();
    const error = await closed
      .publish('ignite.deployment.rollout.created', rollout(1), { projectId: newId('project') })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect(Date.now() - started).toBeLessThan(5000);
    await closed.disconnect();
  });

  it('should give up on a broker that accepts connections but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const stuck = createEventPublisher({
      brokers: [`127.0.0.1:${port}`],
      clientId: 'producer-test-silent',
      topicPrefix: topics.prefix,
      connectTimeoutMs: 1000,
    });
    try {
      const started = Date.now();
      const error = await stuck
        .publish('ignite.deployment.rollout.created', rollout(1), { projectId: newId('project') })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerUnavailableError);
      expect((error as Error).message).toContain('within 1000 ms');
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      await stuck.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
