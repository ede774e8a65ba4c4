import { Client } from 'pg';
import { deliveryId, type EventEnvelope } from '@hookline/contracts';
import {
  createDataSource,
  DeliveryLogPartitions,
  DeliveryLogRepository,
  runMigrations,
  type AttemptRecord,
} from '@hookline/persistence';
import { percentile } from './process-stats';

/** How big a log the scenario builds, and how many times each figure is taken. */
export interface LogScaleSizes {
  /** Attempt rows generated (about a third as many deliveries: 1 to 5 attempts each). */
  attempts: number;
  /** Days the generated rows spread over: a partition each. */
  days: number;
  webhooks: number;
  /** Batches the writer flushes per measure (new deliveries, then their retries). */
  writeBatches: number;
  batchRows: number;
  /** Calls per console query measured. */
  queries: number;
}

export const LOG_SCALE_SIZES = {
  quick: {
    attempts: 1_000_000,
    days: 30,
    webhooks: 100,
    writeBatches: 20,
    batchRows: 200,
    queries: 40,
  },
  full: {
    attempts: 10_000_000,
    days: 30,
    webhooks: 100,
    writeBatches: 40,
    batchRows: 200,
    queries: 100,
  },
} satisfies Record<string, LogScaleSizes>;

const PROJECT = 'prj_logscale';
const HOUR = 3_600_000;
const DAY = 86_400_000;

type Figures = Record<string, number>;

/**
 * `npm run bench -- --only=log-scale`: whether the delivery log's costs stay flat as it grows.
 * In a database of its own (dropped at the end), the log writer's flushes and the console's
 * queries are timed on an empty log, then again once `attempts` rows (generated in SQL over
 * `days` daily partitions, older than the measured rows) sit beside them. Both measures read and
 * write the same amount of recent data — a page of a webhook's deliveries, one delivery and its
 * attempts, the last hour's stats, the dispatcher's `settled` lookup — so any difference is the
 * cost of the log's size. Needs no Kafka and no services.
 */
export async function logScale(
  adminDatabaseUrl: string,
  sizes: LogScaleSizes,
  say: (line: string) => void,
): Promise<Figures> {
  const name = `bench_log_${Date.now().toString(36)}`;
  const url = withDatabase(adminDatabaseUrl, name);
  await adminQuery(adminDatabaseUrl, `create database "${name}"`);
  try {
    await runMigrations(url);
    const ds = await createDataSource({
      url,
      poolSize: 4,
      applicationName: 'bench-log',
    }).initialize();
    try {
      const log = new DeliveryLogRepository(ds);
      const partitions = new DeliveryLogPartitions(ds);
      const now = Date.now();
      for (let d = sizes.days; d >= 0; d -= 4) await partitions.ensure(new Date(now - d * DAY), 3);
      const partitionCount = (await partitions.list()).length / 2;
      say(`[log-scale] ${partitionCount} daily partitions; measuring on the empty log…`);

      const empty = await measure(log, sizes, 'a');
      say(`[log-scale] generating ${sizes.attempts.toLocaleString('en')} attempt rows…`);
      const t0 = Date.now();
      await fill(url, sizes, now, say);
      const fillSeconds = (Date.now() - t0) / 1000;
      const counts = await rowCounts(url);
      say(
        `[log-scale] ${counts.attempts.toLocaleString('en')} attempts, ${counts.deliveries.toLocaleString('en')} deliveries in ${fillSeconds.toFixed(0)} s; measuring again…`,
      );
      const full = await measure(log, sizes, 'b');

      const figures: Figures = {
        partitions: partitionCount,
        attempt_rows: counts.attempts,
        delivery_rows: counts.deliveries,
        fill_seconds: +fillSeconds.toFixed(0),
        log_size_mb: counts.sizeMb,
      };
      for (const key of Object.keys(empty)) {
        figures[`${key}_empty`] = empty[key]!;
        figures[`${key}_full`] = full[key]!;
      }
      return figures;
    } finally {
      await ds.destroy();
    }
  } finally {
    await adminQuery(adminDatabaseUrl, `drop database if exists "${name}" with (force)`);
  }
}

/**
 * The writer's flushes (new deliveries, then a retry of each, as the dispatcher records them),
 * then the console's queries on those rows: medians (and p95) in milliseconds.
 */
async function measure(log: DeliveryLogRepository, sizes: LogScaleSizes, round: string) {
  const born = new Date();
  const batches: AttemptRecord[][] = [];
  for (let b = 0; b < sizes.writeBatches; b++)
    batches.push(
      Array.from({ length: sizes.batchRows }, (_, i) =>
        attemptRow(`evt_bench_${round}_${b}_${i}`, `wh_fill_${i % sizes.webhooks}`, born),
      ),
    );
  const writeNew = await timeEach(batches, (rows) => log.writeAttempts(rows));
  const retries = batches.map((rows) =>
    rows.map((r) => ({
      ...r,
      attempt: 2,
      startedAt: new Date(),
      status: 'succeeded' as const,
      responseStatus: 200,
    })),
  );
  const writeRetry = await timeEach(retries, (rows) => log.writeAttempts(rows));

  const written = batches.flat();
  const pick = (i: number) => written[(i * 7919) % written.length]!;
  const n = Array.from({ length: sizes.queries }, (_, i) => i);
  const list = await timeEach(n, (i) =>
    log.list(PROJECT, `wh_fill_${i % sizes.webhooks}`, { limit: 50 }),
  );
  const listFailed = await timeEach(n, (i) =>
    log.list(PROJECT, `wh_fill_${i % sizes.webhooks}`, { limit: 50, status: 'failed' }),
  );
  const one = await timeEach(n, async (i) => {
    const d = await log.find(PROJECT, pick(i).deliveryId);
    if (!d) throw new Error('a delivery just written is not found');
    await log.attempts(d.id, d.createdAt);
  });
  const eventDeliveries = await timeEach(n, (i) =>
    log.list(PROJECT, null, { event: pick(i).event.id, limit: 50 }),
  );
  const from = new Date(Date.now() - HOUR);
  const stats = await timeEach(n, (i) =>
    Promise.all([
      log.stats(PROJECT, { from, by: { stepSeconds: 60 } }),
      log.stats(PROJECT, { webhookId: `wh_fill_${i % sizes.webhooks}`, from, by: 'webhook' }),
    ]),
  );
  const settled = await timeEach(n, (i) =>
    log.finished(Array.from({ length: 100 }, (_, j) => pick(i * 100 + j).deliveryId)),
  );
  return {
    ...figure('write_new_batch', writeNew),
    ...figure('write_retry_batch', writeRetry),
    ...figure('list_webhook', list),
    ...figure('list_webhook_failed', listFailed),
    ...figure('get_delivery', one),
    ...figure('event_deliveries', eventDeliveries),
    ...figure('stats', stats),
    ...figure('settled_100', settled),
  };
}

function attemptRow(eventId: string, webhookId: string, born: Date): AttemptRecord {
  const event: EventEnvelope = {
    id: eventId,
    project_id: PROJECT,
    event: 'project.updated',
    occurred_at: born.toISOString(),
    data: { project_id: PROJECT, name: 'Bench', tier: 'pro', region: 'eu-west-1' },
  };
  return {
    deliveryId: deliveryId(eventId, webhookId),
    webhookId,
    projectId: PROJECT,
    event,
    attempt: 1,
    trigger: 'automatic',
    url: 'https://receiver.example/hook',
    requestHeaders: { 'content-type': 'application/json', 'webhook-id': eventId },
    responseStatus: 500,
    responseBody: 'temporarily unavailable',
    durationMs: 40,
    errorClass: 'http_status',
    error: 'HTTP 500',
    startedAt: new Date(),
    status: 'pending',
    nextAttemptAt: new Date(Date.now() + 10_000),
    chain: 0,
    createdAt: born,
  };
}

/**
 * The generated log: deliveries spread evenly over `days` up to an hour before the measures,
 * hash-like ids (as msg_ ids are), 1 to 5 attempts each in its delivery's partition, and the
 * per-minute stats of every webhook over the same time. One statement per slice, for progress.
 */
async function fill(url: string, sizes: LogScaleSizes, now: number, say: (l: string) => void) {
  const deliveries = Math.round(sizes.attempts / 3);
  const start = new Date(now - sizes.days * DAY);
  const stepUs = Math.floor(((sizes.days * DAY - HOUR) * 1000) / deliveries);
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const slices = 10;
    for (let s = 0; s < slices; s++) {
      const lo = Math.floor((deliveries * s) / slices) + 1;
      const hi = Math.floor((deliveries * (s + 1)) / slices);
      const params = [lo, hi, start, stepUs, sizes.webhooks];
      const born = `$3::timestamptz + (i::bigint * $4::bigint) * interval '1 microsecond'`;
      await c.query(
        `insert into deliveries (id, webhook_id, project_id, event_id, event_type, status, attempts, next_attempt_at, last_error, event, created_at, updated_at, chain)
         select 'msg_' || substr(md5('fill' || i), 1, 26), 'wh_fill_' || (i % $5), $6, 'evt_fill_' || i,
           'project.updated', case when i % 5 = 4 then 'failed' else 'succeeded' end, 1 + i % 5, null,
           case when i % 5 = 4 then 'HTTP 500' end,
           jsonb_build_object('id', 'evt_fill_' || i, 'project_id', $6::text, 'event', 'project.updated',
             'occurred_at', ${born}, 'data', jsonb_build_object('project_id', $6::text, 'name', 'Bench', 'n', i)),
           ${born}, ${born}, 0
         from generate_series($1::int, $2::int) i`,
        [...params, PROJECT],
      );
      await c.query(
        `insert into delivery_attempts (delivery_id, webhook_id, attempt, trigger, url, request_headers, response_status, response_body, duration_ms, error_class, error, started_at, delivery_created_at)
         select 'msg_' || substr(md5('fill' || i), 1, 26), 'wh_fill_' || (i % $5), k, 'automatic',
           'https://receiver.example/hook', '{"content-type": "application/json"}',
           case when k = 1 + i % 5 and i % 5 <> 4 then 200 else 500 end, 'ok', 40,
           case when k = 1 + i % 5 and i % 5 <> 4 then null else 'http_status' end,
           case when k = 1 + i % 5 and i % 5 <> 4 then null else 'HTTP 500' end,
           ${born} + (k - 1) * interval '10 seconds', ${born}
         from generate_series($1::int, $2::int) i, generate_series(1, 1 + i % 5) k`,
        params,
      );
      say(`[log-scale]   ${s + 1}/${slices}`);
    }
    // The minutes of the generated days, every webhook (the last hour stays the measures' own).
    await c.query(
      `insert into delivery_stats_minute (webhook_id, project_id, minute, succeeded, failed, retried, latency, last_attempt_at)
       select 'wh_fill_' || w, $2, m, 2, 0, 1, '{0,0,3,0,0,0,0,0,0,0,0,0,0}', m
       from generate_series(0, $3::int - 1) w,
         generate_series(date_trunc('minute', $1::timestamptz), date_trunc('minute', $4::timestamptz), interval '1 minute') m`,
      [start, PROJECT, sizes.webhooks, new Date(now - 2 * HOUR)],
    );
    await c.query('analyze deliveries');
    await c.query('analyze delivery_attempts');
    await c.query('analyze delivery_stats_minute');
  } finally {
    await c.end();
  }
}

async function rowCounts(url: string) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const {
      rows: [r],
    } = await c.query(
      `select (select count(*) from delivery_attempts)::int as attempts,
         (select count(*) from deliveries)::int as deliveries,
         (select sum(pg_total_relation_size(c.oid)) from pg_inherits i join pg_class c on c.oid = i.inhrelid
           where i.inhparent in ('deliveries'::regclass, 'delivery_attempts'::regclass))::bigint as bytes`,
    );
    return {
      attempts: r.attempts as number,
      deliveries: r.deliveries as number,
      sizeMb: Math.round(Number(r.bytes) / 2 ** 20),
    };
  } finally {
    await c.end();
  }
}

async function timeEach<T>(items: readonly T[], fn: (item: T) => Promise<unknown>) {
  const ms: number[] = [];
  for (const item of items) {
    const t = process.hrtime.bigint();
    await fn(item);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return ms.sort((a, b) => a - b);
}

function figure(name: string, sorted: number[]): Figures {
  return {
    [`${name}_p50_ms`]: +percentile(sorted, 50).toFixed(2),
    [`${name}_p95_ms`]: +percentile(sorted, 95).toFixed(2),
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
