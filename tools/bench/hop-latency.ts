import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import { percentile } from './process-stats';

/**
 * Where the publish→receipt time goes, from what the pipeline already records: the envelope's
 * occurred_at, the record timestamps of the event (LogAppendTime: when the broker appended it)
 * and of each delivery task (CreateTime: set by the producing client when it sends, so a hop
 * includes the producer's linger and the round trip to the broker; every clock here is the same
 * machine's), and the attempt row's started_at and duration. Each hop's p50/p99 tells which stage
 * to profile.
 */
export async function hopLatency(
  kafka: Kafka,
  topics: { events: string; deliveries: string },
  databaseUrl: string,
  sinceMs: number,
  /** Only the events of these projects (the storm's healthy ones), when given. */
  projects?: ReadonlySet<string>,
) {
  const events = await readSince(kafka, topics.events, sinceMs);
  const tasks = await readSince(kafka, topics.deliveries, sinceMs);
  const appended = new Map<string, { occurredAt: number; at: number }>();
  for (const e of events) {
    const v = JSON.parse(e.value.toString()) as {
      id: string;
      project_id: string;
      occurred_at: string;
    };
    if (projects && !projects.has(v.project_id)) continue;
    appended.set(v.id, { occurredAt: Date.parse(v.occurred_at), at: e.timestamp });
  }
  const taskAt = new Map<string, number>();
  const publish: number[] = [];
  const fanout: number[] = [];
  for (const e of appended.values()) publish.push(e.at - e.occurredAt);
  for (const t of tasks) {
    const v = JSON.parse(t.value.toString()) as {
      delivery_id: string;
      attempt: number;
      event: { id: string };
    };
    const event = appended.get(v.event.id);
    if (!event || v.attempt !== 1) continue;
    fanout.push(t.timestamp - event.at);
    taskAt.set(v.delivery_id, t.timestamp);
  }
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const dispatch: number[] = [];
  const http: number[] = [];
  try {
    const { rows } = await db.query<{ delivery_id: string; started: number; duration_ms: number }>(
      `select delivery_id, extract(epoch from started_at) * 1000 as started, duration_ms from delivery_attempts where attempt = 1 and started_at >= to_timestamp($1 / 1000.0)`,
      [sinceMs],
    );
    for (const r of rows) {
      const at = taskAt.get(r.delivery_id);
      if (at === undefined) continue;
      dispatch.push(Number(r.started) - at);
      http.push(r.duration_ms);
    }
  } finally {
    await db.end();
  }
  const hop = (name: string, values: number[]) => {
    const s = values.sort((a, b) => a - b);
    return {
      [`${name}_p50_ms`]: Math.round(percentile(s, 50)),
      [`${name}_p99_ms`]: Math.round(percentile(s, 99)),
    };
  };
  return {
    ...hop('hop_publish', publish), // producer call → appended to hookline.events
    ...hop('hop_fanout', fanout), // appended event → appended delivery task
    ...hop('hop_dispatch', dispatch), // appended task → attempt started
    ...hop('hop_http', http), // attempt started → response read
  };
}

/**
 * The fan-out's own pace, from the record timestamps of the events and of the first-attempt tasks
 * since `sinceMs`: tasks and events per second while it was producing, and the time from the
 * first event's append to the last task's.
 */
export async function fanoutPace(
  kafka: Kafka,
  topics: { events: string; deliveries: string },
  sinceMs: number,
): Promise<Record<string, number>> {
  const events = await readSince(kafka, topics.events, sinceMs);
  const tasks = (await readSince(kafka, topics.deliveries, sinceMs)).map((t) => t.timestamp);
  if (events.length === 0 || tasks.length === 0) return {};
  // Loops, not Math.min(...): a spread of 200,000 arguments overflows the stack.
  const firstEvent = events.reduce((m, e) => Math.min(m, e.timestamp), Infinity);
  const firstTask = tasks.reduce((m, t) => Math.min(m, t), Infinity);
  const lastTask = tasks.reduce((m, t) => Math.max(m, t), -Infinity);
  const seconds = Math.max(0.001, (lastTask - firstTask) / 1000);
  return {
    fanout_tasks_per_s: Math.round(tasks.length / seconds),
    fanout_events_per_s: Math.round(
      events.length / Math.max(0.001, (lastTask - firstEvent) / 1000),
    ),
    fanout_seconds_to_last_task: +((lastTask - firstEvent) / 1000).toFixed(2),
  };
}

/** Every record appended to `topic` since `sinceMs`, read once to the end offsets of now. */
async function readSince(
  kafka: Kafka,
  topic: string,
  sinceMs: number,
): Promise<{ timestamp: number; value: Buffer }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const [starts, ends] = await Promise.all([
    admin.fetchTopicOffsetsByTimestamp(topic, sinceMs),
    admin.fetchTopicOffsets(topic),
  ]);
  await admin.disconnect();
  const remaining = new Map<number, bigint>();
  for (const end of ends) {
    const start = starts.find((s) => s.partition === end.partition);
    if (start && BigInt(start.offset) < BigInt(end.high))
      remaining.set(end.partition, BigInt(end.high));
  }
  const out: { timestamp: number; value: Buffer }[] = [];
  if (remaining.size === 0) return out;
  const groupId = `bench-hops.${process.pid}.${Date.now()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic });
  try {
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages)
              if (m.value) out.push({ timestamp: Number(m.timestamp), value: m.value });
            const high = remaining.get(batch.partition);
            if (high !== undefined && BigInt(batch.lastOffset()) + 1n >= high) {
              remaining.delete(batch.partition);
              if (remaining.size === 0) resolve();
            }
          },
        })
        .catch(reject);
      for (const s of starts) consumer.seek({ topic, partition: s.partition, offset: s.offset });
    });
  } finally {
    await consumer.disconnect();
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]).catch(() => undefined);
    await cleanup.disconnect();
  }
  return out;
}
