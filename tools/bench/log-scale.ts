import { Client } from 'pg';
import { deliveryId, type EventEnvelope } from '@hookline/contracts';
import {
  createDataSource,
  DeliveryLogPartitions,
  DeliveryLogRepository,
  runMigrations,
  type AttemptRecord,
} from '@hookline/persistence';
import { adminQuery, withDatabase } from '@hookline/testing';
import { percentile } from './process-stats';

/** How big a log the scenario builds, and how many times each figure is taken. */
export interface LogScaleSizes {
  /** Attempt rows generated (about a third as many deliveries: 1 to 5 attempts each). */
  attempts: number;
  /** Days the generated rows spread over: a partition each. */
  days: number;
  webhooks: number;
  /** Rounds of measures, alternating between the empty and the full log (the machine drifts). */
  rounds: number;
  /** Batches the writer flushes per round (new deliveries, then a retry of each). */
  writeBatches: number;
  batchRows: number;
  /** Calls per console query and round. */
  queries: number;
}

export const LOG_SCALE_SIZES = {
  quick: {
    attempts: 1_000_000,
    days: 30,
    webhooks: 100,
    rounds: 2,
    writeBatches: 10,
    batchRows: 200,
    queries: 20,
  },
  full: {
    attempts: 10_000_000,
    days: 30,
    webhooks: 100,
    rounds: 3,
    writeBatches: 15,
    batchRows: 200,
    queries: 40,
  },
} satisfies Record<string, LogScaleSizes>;

const PROJECT = 'prj_logscale';
const HOUR = 3_600_000;
const DAY = 86_400_000;

type Figures = Record<string, number>;
type Samples = Record<string, number[]>;

/**
 * `npm run bench -- --only=log-scale`: whether the delivery log's costs stay flat as it grows.
 * Two databases of its own (dropped at the end), with the same daily partitions: one empty, one
 * holding `attempts` generated rows (in SQL, over `days` days, older than the measured rows).
 * The log writer's flushes and the console's queries are timed on both, in alternating rounds so
 * the shared machine's drift hits both alike. Both read and write the same amount of recent
 * data — a page of a webhook's deliveries, one delivery and its attempts, the last hour's stats,
 * an event's deliveries, the dispatcher's `settled` lookup — so a difference is the cost of the
 * log's size. Needs no Kafka and no services.
 */
export async function logScale(
  adminDatabaseUrl: string,
  sizes: LogScaleSizes,
  say: (line: string) => void,
): Promise<Figures> {
  const stamp = Date.now().toString(36);
  const names = { empty: `bench_log_empty_${stamp}`, full: `bench_log_full_${stamp}` };
  const opened: { destroy(): Promise<void> }[] = [];
  try {
    const now = Date.now();
    const logs = {} as Record<keyof typeof names, DeliveryLogRepository>;
    let partitionCount = 0;
    for (const key of ['empty', 'full'] as const) {
      await adminQuery(adminDatabaseUrl, `create database "${names[key]}"`);
      const url = withDatabase(adminDatabaseUrl, names[key]);
      await runMigrations(url);
      const ds = await createDataSource({
        url,
        poolSize: 4,
        applicationName: 'bench-log',
      }).initialize();
      opened.push(ds);
      const partitions = new DeliveryLogPartitions(ds);
      for (let d = sizes.days; d >= 0; d -= 4) await partitions.ensure(new Date(now - d * DAY), 3);
      partitionCount = (await partitions.list()).length / 2;
      logs[key] = new DeliveryLogRepository(ds);
    }
    say(
      `[log-scale] ${partitionCount} daily partitions each; generating ${sizes.attempts.toLocaleString('en')} attempt rows…`,
    );
    const fullUrl = withDatabase(adminDatabaseUrl, names.full);
    const t0 = Date.now();
    await fill(fullUrl, sizes, now, say);
    const fillSeconds = (Date.now() - t0) / 1000;
    const counts = await rowCounts(fullUrl);
    say(
      `[log-scale] ${counts.attempts.toLocaleString('en')} attempts, ${counts.deliveries.toLocaleString('en')} deliveries in ${fillSeconds.toFixed(0)} s`,
    );

    const samples = { empty: {} as Samples, full: {} as Samples };
    for (let round = 0; round < sizes.rounds; round++) {
      // Each log goes first in every other round: neither gets the warmer machine throughout.
      for (const key of round % 2 === 0
        ? (['empty', 'full'] as const)
        : (['full', 'empty'] as const)) {
        say(`[log-scale] round ${round + 1}/${sizes.rounds}: ${key} log`);
        const got = await measure(logs[key], sizes, `${round}`);
        for (const [k, v] of Object.entries(got)) (samples[key][k] ??= []).push(...v);
      }
    }

    const figures: Figures = {
      partitions: partitionCount,
      attempt_rows: counts.attempts,
      delivery_rows: counts.deliveries,
      fill_seconds: +fillSeconds.toFixed(0),
      log_size_mb: counts.sizeMb,
    };
    for (const k of Object.keys(samples.empty)) {
      const empty = samples.empty[k]!.sort((a, b) => a - b);
      const full = samples.full[k]!.sort((a, b) => a - b);
      figures[`${k}_p50_ms_empty`] = ms(percentile(empty, 50));
      figures[`${k}_p50_ms_full`] = ms(percentile(full, 50));
      figures[`${k}_p95_ms_empty`] = ms(percentile(empty, 95));
      figures[`${k}_p95_ms_full`] = ms(percentile(full, 95));
    }
    return figures;
  } finally {
    for (const ds of opened) await ds.destroy().catch(() => undefined);
    for (const name of Object.values(names))
      await adminQuery(adminDatabaseUrl, `drop database if exists "${name}" with (force)`);
  }
}

/**
 * One round: the writer's flushes (new deliveries, then a retry of each, as the dispatcher
 * records them), then the console's queries on those rows; the time of each call, in ms.
 */
async function measure(
  log: DeliveryLogRepository,
  sizes: LogScaleSizes,
  round: string,
): Promise<Samples> {
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
    log.finished(
      Array.from({ length: 100 }, (_, j) => {
        const r = pick(i * 100 + j);
        return { id: r.deliveryId, createdAt: r.createdAt };
      }),
    ),
  );
  return {
    write_new_batch: writeNew,
    write_retry_batch: writeRetry,
    list_webhook: list,
    get_delivery: one,
    event_deliveries: eventDeliveries,
    stats,
    settled_100: settled,
  };
}

const ms = (x: number) => +x.toFixed(2);

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
    // As a log that has been there a while: vacuumed (visibility map, statistics), written out.
    for (const table of ['deliveries', 'delivery_attempts', 'delivery_stats_minute'])
      await c.query(`vacuum (analyze) ${table}`);
    await c.query('checkpoint');
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
