import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Counter } from 'prom-client';
import {
  PRODUCER_EVENT_TYPE_NAMES,
  newId,
  topicNames,
  topicSpecs,
  type EventEnvelope,
  type WebhookState,
} from '@hookline/contracts';
import { parseConfig } from '@hookline/config';
import { deleteTopics, ensureTopics, kafkaFromConfig } from '@hookline/kafka';
import { createFanoutService } from '../fanout.app';
import type { FanoutTuning } from '../fanout/fanout.service';

/**
 * Fan-out throughput on the real broker (KAFKA_BROKERS, default the local stack): events are
 * written to a fresh topic first, then one fan-out process is started and timed until it has
 * fanned every event out (tasks acknowledged with acks=all, lz4, idempotent producer).
 *
 *   node -r ./tools/register.js apps/fanout/src/bench/fanout.bench.ts [--events 20000] [--partitions 6]
 */

interface Scenario {
  name: string;
  webhooks: WebhookState[];
  events: EventEnvelope[];
}

export interface ScenarioResult {
  name: string;
  webhooks: number;
  events: number;
  tasks: number;
  seconds: number;
  eventsPerSecond: number;
  tasksPerSecond: number;
}

const PATTERNS = [
  '*',
  'ignite.*',
  'ignite.deployment.*',
  'ignite.deployment.container.*',
  'ignite.deployment.healthcheck.events.*',
  'project.*',
  'project.member.*',
];

let seed = 7;
const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);

function webhook(projectId: string, events: string[]): WebhookState {
  const now = new Date().toISOString();
  const id = newId('webhook');
  return {
    id,
    project_id: projectId,
    url: `https://hooks.example.com/${id}`,
    events,
    description: null,
    active: true,
    disabled_reason: null,
    signature_scheme: 'standard',
    secrets: [{ ciphertext: randomBytes(60).toString('base64'), expires_at: null }],
    version: 1,
    created_at: now,
    updated_at: now,
  };
}

/** A container-metrics-sized event (the most frequent kind), about 400 bytes serialised. */
function event(projectId: string, type: string): EventEnvelope {
  return {
    id: newId('event'),
    project_id: projectId,
    event: type,
    occurred_at: new Date().toISOString(),
    data: {
      deployment_id: `dep_${random(1000)}`,
      project_id: projectId,
      container_id: `ctr_${random(100_000)}`,
      metrics: {
        memory_usage_percent: 41.5,
        memory_usage_bytes: 214_748_364,
        cpu_usage_percent: 12.25,
        network_rx_bytes: 1_048_576,
        network_tx_bytes: 524_288,
      },
    },
  };
}

/** 10,000 webhooks across 100 projects, each with one to three patterns (exact types and wildcards). */
export function manyProjectsScenario(eventCount: number): Scenario {
  const projects = Array.from({ length: 100 }, (_, i) => `prj_bench_${i}`);
  const webhooks = Array.from({ length: 10_000 }, (_, i) => {
    const patterns = Array.from({ length: 1 + random(3) }, () =>
      random(2) === 0
        ? PRODUCER_EVENT_TYPE_NAMES[random(PRODUCER_EVENT_TYPE_NAMES.length)]!
        : PATTERNS[random(PATTERNS.length)]!,
    );
    return webhook(projects[i % projects.length]!, patterns);
  });
  const events = Array.from({ length: eventCount }, () =>
    event(
      projects[random(projects.length)]!,
      PRODUCER_EVENT_TYPE_NAMES[random(PRODUCER_EVENT_TYPE_NAMES.length)]!,
    ),
  );
  return { name: '10,000 webhooks across 100 projects', webhooks, events };
}

/** One project whose 10,000 webhooks all subscribe to `*`: every event fans out to 10,000. */
export function wideFanoutScenario(eventCount: number): Scenario {
  const webhooks = Array.from({ length: 10_000 }, () => webhook('prj_wide', ['*']));
  const events = Array.from({ length: eventCount }, () =>
    event('prj_wide', 'ignite.deployment.container.metrics_update'),
  );
  return { name: 'one event to 10,000 webhooks', webhooks, events };
}

async function produceAll(
  kafka: Kafka,
  topic: string,
  messages: { key: string; value: string | null }[],
) {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 2000) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2000) });
    }
  } finally {
    await producer.disconnect();
  }
}

async function counterTotal(counter: Counter): Promise<number> {
  return (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);
}

export async function runScenario(
  scenario: Scenario,
  options: { brokers?: string; partitions?: number; tuning?: FanoutTuning } = {},
): Promise<ScenarioResult> {
  const partitions = options.partitions ?? 6;
  const prefix = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}.`;
  const config = parseConfig({
    KAFKA_BROKERS: options.brokers ?? process.env.KAFKA_BROKERS,
    HOOKLINE_TOPIC_PREFIX: prefix,
    HOOKLINE_TOPIC_PARTITIONS: String(partitions),
    HOOKLINE_METRICS_PORT: '0',
    HOOKLINE_LOG_LEVEL: 'warn',
  });
  const kafka = kafkaFromConfig(config, 'hookline-fanout-bench');
  const topics = topicNames(prefix, config.HOOKLINE_RETRY_SCHEDULE.length);
  const specs = topicSpecs(topics, partitions);
  await ensureTopics(kafka, specs);
  const app = createFanoutService(config, options.tuning);
  try {
    await produceAll(
      kafka,
      topics.webhooksChangelog,
      scenario.webhooks.map((w) => ({ key: w.id, value: JSON.stringify(w) })),
    );
    await produceAll(
      kafka,
      topics.events,
      scenario.events.map((e) => ({ key: e.project_id, value: JSON.stringify(e) })),
    );

    await app.start();
    const started = process.hrtime.bigint();
    const expectedTasks = scenario.events.reduce(
      (n, e) => n + app.service.index.match(e.project_id, e.event).length,
      0,
    );
    const eventsCounter = app.registry.getSingleMetric(
      'hookline_fanout_events_consumed_total',
    ) as Counter;
    const tasksCounter = app.registry.getSingleMetric(
      'hookline_fanout_tasks_produced_total',
    ) as Counter;
    const deadline = Date.now() + 600_000;
    while ((await counterTotal(eventsCounter)) < scenario.events.length) {
      if (Date.now() > deadline) throw new Error('the bench did not finish within 10 minutes');
      await new Promise((r) => setTimeout(r, 5));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const tasks = await counterTotal(tasksCounter);
    if (tasks !== expectedTasks)
      throw new Error(`expected ${expectedTasks} tasks, produced ${tasks}`);
    return {
      name: scenario.name,
      webhooks: scenario.webhooks.length,
      events: scenario.events.length,
      tasks,
      seconds,
      eventsPerSecond: scenario.events.length / seconds,
      tasksPerSecond: tasks / seconds,
    };
  } finally {
    await app.stop();
    await deleteTopics(
      kafka,
      specs.map((s) => s.topic),
    ).catch(() => undefined);
  }
}

function argument(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

async function main() {
  const partitions = argument('partitions', 6);
  const say = (line: string) => process.stdout.write(`[fanout bench] ${line}\n`);
  say(`node ${process.version}, ${partitions} partitions, acks=all, lz4, idempotent producer`);
  for (const scenario of [
    manyProjectsScenario(argument('events', 20_000)),
    wideFanoutScenario(argument('wide-events', 20)),
  ]) {
    const r = await runScenario(scenario, {
      partitions,
      tuning: { maxRequestBytes: argument('request-kib', 1024) * 1024 },
    });
    say(
      `${r.name}: ${r.events} events → ${r.tasks} tasks in ${r.seconds.toFixed(2)} s: ` +
        `${Math.round(r.eventsPerSecond)} events/s, ${Math.round(r.tasksPerSecond)} tasks/s` +
        (r.events > 0 ? `, ${((r.seconds * 1000) / r.events).toFixed(1)} ms per event` : ''),
    );
  }
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`fanout bench: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
