import type { ChildProcess } from 'node:child_process';
import { deliveryId, type DeliveryTask, type EventEnvelope } from '@hookline/contracts';
import { parseConfig } from '@hookline/config';
import {
  TopicCollector,
  TopicWriter,
  createTestTopics,
  eventEnvelope,
  freePort,
  spawnService,
  stopService,
  waitForCollected,
  waitForGroupCaughtUp,
  waitForHttp,
  webhookState,
  type TestTopics,
} from '@hookline/testing';
import { createFanoutService, type FanoutApp } from '../fanout.app';
import { FanoutService } from './fanout.service';

describe(`${FanoutService.name} across a crash`, () => {
  let topics: TestTopics;
  let writer: TopicWriter;
  let tasks: TopicCollector;
  let child: ChildProcess | undefined;
  let successor: FanoutApp | undefined;
  // The broker's minimum: how long the killed process keeps its partitions.
  const env = () => ({
    KAFKA_BROKERS: topics.brokers.join(','),
    HOOKLINE_TOPIC_PREFIX: topics.prefix,
    HOOKLINE_TOPIC_PARTITIONS: '3',
    HOOKLINE_LOG_LEVEL: 'warn',
    HOOKLINE_KAFKA_SESSION_TIMEOUT: '6s',
  });

  /** Waits until the group has consumed every event and the collector holds every task. */
  const allFannedOut = async () => {
    await waitForGroupCaughtUp(
      topics.kafka,
      `${topics.prefix}hookline.fanout`,
      topics.topics.events,
      30_000,
    );
    await waitForCollected(topics.kafka, tasks, topics.topics.deliveries, 30_000);
  };

  beforeAll(async () => {
    topics = await createTestTopics(undefined, 5, 3);
    writer = await TopicWriter.connect(topics.kafka);
    tasks = await TopicCollector.start(topics.kafka, [topics.topics.deliveries]);
  });
  afterAll(async () => {
    if (child) await stopService(child, 2000);
    await successor?.stop();
    await tasks?.stop();
    await writer?.close();
    await topics?.drop();
  });

  it('should lose no task when a process is killed mid-stream and another takes over (same delivery ids)', async () => {
    const projects = ['prj_r0', 'prj_r1', 'prj_r2', 'prj_r3', 'prj_r4', 'prj_r5'];
    const hooks = projects.flatMap((p) => [
      webhookState({ project_id: p, events: ['*'] }),
      webhookState({ project_id: p, events: ['project.*'] }),
    ]);
    for (const h of hooks) await writer.webhook(topics.topics.webhooksChangelog, h);

    const port = await freePort();
    child = spawnService(
      'fanout',
      { ...process.env, ...env(), HOOKLINE_METRICS_PORT: String(port) },
      { logName: 'fanout-restart-test' },
    );
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 30_000, child);

    // A steady stream of events, so the kill lands in the middle of it whatever the timing.
    const published: EventEnvelope[] = [];
    let publishing = true;
    const stream = (async () => {
      for (let round = 0; publishing && round < 3000; round++) {
        const batch = projects.map((project_id) =>
          eventEnvelope({ project_id, event: 'project.updated' }),
        );
        await writer.events(topics.topics.events, batch);
        published.push(...batch);
        await new Promise((r) => setTimeout(r, 5)); // pacing of the stream, not a wait for a result
      }
    })();

    await tasks.waitFor((m) => m.length >= 300, { message: 'the first process fanning out' });
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const atKill = tasks.messages.length;
    child = undefined;

    successor = createFanoutService(
      parseConfig({ ...env(), HOOKLINE_METRICS_PORT: '0', HOOKLINE_LOG_LEVEL: 'error' }),
      { heartbeatIntervalMs: 500 },
    );
    await successor.start(); // joins once the killed member's session has expired
    await tasks.waitFor((m) => m.length >= atKill + 300, {
      timeoutMs: 30_000,
      message: 'the successor fanning out',
    });
    publishing = false;
    await stream;

    await allFannedOut();
    const byEvent = new Map<string, Set<string>>();
    for (const t of tasks.json<DeliveryTask>()) {
      const ids = byEvent.get(t.event.id) ?? new Set<string>();
      byEvent.set(t.event.id, ids.add(t.delivery_id));
    }
    const missing = published.filter((e) => {
      const expected = hooks
        .filter((h) => h.project_id === e.project_id)
        .map((h) => deliveryId(e.id, h.id));
      const got = byEvent.get(e.id);
      return !got || got.size !== expected.length || expected.some((id) => !got.has(id));
    });
    expect(missing).toEqual([]);
    expect(byEvent.size).toBe(published.length);
    // Duplicates are allowed (at least once); every copy carries the same delivery id.
    expect(tasks.messages.length).toBeGreaterThanOrEqual(published.length * 2);
  });

  it('should commit what it fanned out when stopped, so that its successor repeats nothing', async () => {
    await successor?.stop();
    successor = undefined;
    const project_id = 'prj_graceful';
    const hook = webhookState({ project_id, events: ['*'] });
    await writer.webhook(topics.topics.webhooksChangelog, hook);
    const ofThisTest = () =>
      tasks.json<DeliveryTask>().filter((t) => t.event.project_id === project_id);
    const start = async () => {
      const app = createFanoutService(
        parseConfig({ ...env(), HOOKLINE_METRICS_PORT: '0', HOOKLINE_LOG_LEVEL: 'error' }),
        { heartbeatIntervalMs: 500 },
      );
      await app.start();
      return app;
    };

    const first = await start();
    const before = Array.from({ length: 30 }, () =>
      eventEnvelope({ project_id, event: 'project.updated' }),
    );
    await writer.events(topics.topics.events, before);
    await tasks.waitFor(() => ofThisTest().length >= before.length, {
      message: 'the first process fanning out',
    });
    await first.stop(); // well within the periodic commit's interval: only the final commit covers these
    successor = await start();
    const after = Array.from({ length: 3 }, () =>
      eventEnvelope({ project_id, event: 'project.updated' }),
    );
    await writer.events(topics.topics.events, after);
    await tasks.waitFor(() => ofThisTest().length >= before.length + after.length, {
      timeoutMs: 30_000,
      message: 'the successor fanning out',
    });
    await allFannedOut();

    expect(
      ofThisTest()
        .map((t) => t.event.id)
        .sort(),
    ).toEqual([...before, ...after].map((e) => e.id).sort());
  });
});
