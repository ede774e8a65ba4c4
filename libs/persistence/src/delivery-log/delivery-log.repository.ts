import type { DataSource, EntityManager } from 'typeorm';
import {
  latencyBucket,
  LATENCY_BUCKETS_MS,
  type AttemptErrorClass,
  type AttemptResource,
  type AttemptTrigger,
  type DeliveryResource,
  type DeliveryStatus,
  type EventEnvelope,
} from '@hookline/contracts';
import type { DeliveryAttemptEntity } from '../entities/delivery-attempt.entity';
import { queryPrepared } from '../prepared-query';
import { arrayLiteral, type ArrayElement } from '../array-literal';
import type { DeliveryEntity } from '../entities/delivery.entity';
import type { RecoveryFilter } from '../recovery/recovery-job.repository';
import {
  EVENT_COLUMNS,
  eventColumns,
  eventKey,
  type PublishedEventRow,
} from './published-event.mapper';

/**
 * The only code that reads or writes `deliveries` and `delivery_attempts`: the dispatcher writes
 * through it, the retention job deletes through it, the registry reads through it. Rows come back
 * as the entities (one row type) and leave for the API through toDeliveryResource and
 * toAttemptResource (one mapping).
 */

/**
 * One attempt and the state of its delivery after it, as the dispatcher records it; with
 * `attempted: false`, or status `skipped` (never an attempt), a delivery that ended without an
 * attempt (its webhook was disabled, its task came due too late): no attempt row.
 */
export interface AttemptRecord {
  deliveryId: string;
  webhookId: string;
  projectId: string;
  event: EventEnvelope;
  attempt: number;
  trigger: AttemptTrigger;
  url: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number;
  errorClass: AttemptErrorClass | null;
  error: string | null;
  startedAt: Date;
  status: DeliveryStatus;
  /** false: no attempt was made; the delivery's row alone is written (see the interface). */
  attempted?: false;
  nextAttemptAt: Date | null;
  /** The task's chain (0: the first); see DeliveryTask `chain`. */
  chain: number;
  /**
   * The delivery's birth time from its task (DeliveryTask `created_at`); null for a task written
   * before tasks carried it: the row logged for the id is found whatever its day, and a delivery
   * not logged yet is born at its first attempt.
   */
  createdAt: Date | null;
}

/**
 * About how many bytes a row adds to writeAttempts' statement, to size batches by: the logged
 * event counts, since the broker passes events of up to 4 MB, and a batch of such rows sized by
 * count alone would make a statement of gigabytes. `eventBytes` is the event's size when the
 * caller knows it (its task's message); otherwise the event is encoded to measure it.
 */
export function attemptRowBytes(
  row: AttemptRecord,
  eventBytes = JSON.stringify(row.event).length,
): number {
  const text = (row.responseBody?.length ?? 0) + (row.error?.length ?? 0) + row.url.length;
  return 512 + text + eventBytes;
}

export interface DeliveryQuery {
  status?: DeliveryStatus;
  /** An event type, or one event's id (`evt_…`). */
  event?: string;
  /** Created at or after (ISO). */
  since?: string;
  /** Created before (ISO). */
  until?: string;
  /** A `nextCursor` of an earlier page. */
  cursor?: string;
  limit: number;
}

/** A cursor that no earlier page gave out. */
export class InvalidCursorError extends Error {
  constructor() {
    super('must be a next_cursor from a previous page');
    this.name = 'InvalidCursorError';
  }
}

export type DeliveryRow = Omit<DeliveryEntity, 'event'>;

/** A delivery as a recovery re-sends it; createdUs is its position (see recoverable). */
export interface RecoverableDelivery {
  id: string;
  webhookId: string;
  attempts: number;
  event: unknown;
  createdAt: Date;
  createdUs: string;
}

export type DeliveryWithEvent = DeliveryEntity;

// Status is monotonic within a chain of attempts: a final one (succeeded, failed) stays, whatever
// a late duplicate of an attempt reports; an older chain never overwrites a newer one; a newer
// chain (a replay, a redeliver) starts over.
const KEEPS_STATE = `(excluded.chain < deliveries.chain or (excluded.chain = deliveries.chain and deliveries.status <> 'pending'))`;

// The log is partitioned by day on the delivery's birth time, which every task of a delivery
// carries unchanged, so a retry finds its row by (id, created_at). One event published twice
// (two records, two times) gives two birth times for one id: a row already logged within this
// window of the task's time is the delivery's row (a few index probes, in the partitions the
// window covers).
const SAME_DELIVERY_WINDOW = `interval '1 day'`;
const NEAR_BIRTH = (column: string, born: string) =>
  `${column} >= ${born} - ${SAME_DELIVERY_WINDOW} and ${column} <= ${born} + ${SAME_DELIVERY_WINDOW}`;

/** The windows a page of the log is first looked for in (see list). */
const LIST_WINDOWS_MS = [86_400_000, 8 * 86_400_000];

// Attempts and their deliveries in one statement: unnest() turns the column arrays into rows, so a
// flush of hundreds of attempts is one round trip whatever their number.
// The per-minute stats ride in the same statement (one more CTE): they count exactly the attempts
// logged, and a batch refused and retried in halves is never counted twice. So does the record of
// each event (published_events, for GET /v1/events), from the first delivery of each, with the
// event's payload: a delivery's row carries the payload only when no record has it (see
// writeAttempts), so an event is stored once, not once per webhook.
// The JSON columns (each attempt's request headers, each delivery's event) come as one JSON text
// each, not as jsonb[]: pg writes an array literal by quoting every element and escaping every
// quote inside it, which in JSON is around every key and string. For those two columns that was
// ~4.7 µs a row in the dispatcher against ~1 µs for one JSON.stringify, and Postgres takes the
// JSON array apart faster than it unescapes the literal (500 events: ~3.4 → ~2.1 ms a statement).
// A JSON null element is SQL NULL: a delivery whose payload its event's record holds.
const JSONB_ELEMENTS = (param: string) =>
  `(select array_agg(nullif(e, 'null'::jsonb) order by i) from jsonb_array_elements(${param}::jsonb) with ordinality j(e, i))`;

/** A delivery's event (alias d): its row's copy, else its event's record's. */
const DELIVERY_EVENT = `coalesce(d.event, (select e.event from published_events e
  where e.project_id = d.project_id and e.id = d.event_id)) as event`;

const WRITE_ATTEMPTS_SQL = `
with d as (
  select u.*, coalesce((
      select x.created_at from deliveries x
      where x.id = u.id
        and ${NEAR_BIRTH('x.created_at', 'u.born')}
      order by x.created_at limit 1
    ), u.born) as created_at
  from unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::int[], $20::timestamptz[], $21::text[], ${JSONB_ELEMENTS('$22')}, $23::timestamptz[], $24::bigint[])
    as u(id, webhook_id, project_id, event_id, event_type, status, attempts, next_attempt_at, last_error, event, born, chain)
), attempts as (
  insert into delivery_attempts
    (delivery_id, webhook_id, attempt, trigger, url, request_headers, response_status, response_body, duration_ms, error_class, error, started_at, delivery_created_at)
  select a.*, d.created_at
  from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], ${JSONB_ELEMENTS('$6')}, $7::int[], $8::text[], $9::int[], $10::text[], $11::text[], $12::timestamptz[])
    as a(delivery_id, webhook_id, attempt, trigger, url, request_headers, response_status, response_body, duration_ms, error_class, error, started_at)
  join d on d.id = a.delivery_id
), stats as (
  insert into delivery_stats_minute as s
    (webhook_id, project_id, minute, succeeded, failed, retried, latency, last_attempt_at)
  select t.webhook_id, t.project_id, t.minute, t.succeeded, t.failed, t.retried, t.latency::int[], t.last_attempt_at
  from unnest($25::text[], $26::text[], $27::timestamptz[], $28::int[], $29::int[], $30::int[], $31::text[], $32::timestamptz[])
    as t(webhook_id, project_id, minute, succeeded, failed, retried, latency, last_attempt_at)
  on conflict (webhook_id, minute) do update set
    succeeded = s.succeeded + excluded.succeeded,
    failed = s.failed + excluded.failed,
    retried = s.retried + excluded.retried,
    latency = array(select coalesce(a, 0) + coalesce(b, 0) from unnest(s.latency, excluded.latency) as u(a, b)),
    last_attempt_at = greatest(s.last_attempt_at, excluded.last_attempt_at)
), events as (
  insert into published_events as p (project_id, id, type, occurred_at, created_at, event)
  select * from unnest($33::text[], $34::text[], $35::text[], $36::timestamptz[], $37::timestamptz[], ${JSONB_ELEMENTS('$38')})
  -- A record written before records kept the payload gets it now.
  on conflict (project_id, id) do update set event = excluded.event where p.event is null
)
insert into deliveries
  (id, webhook_id, project_id, event_id, event_type, status, attempts, next_attempt_at, last_error, event, created_at, chain, updated_at)
select id, webhook_id, project_id, event_id, event_type, status, attempts, next_attempt_at, last_error, event, created_at, chain, now()
from d
on conflict (id, created_at) do update set
  status = case when ${KEEPS_STATE} then deliveries.status else excluded.status end,
  next_attempt_at = case when ${KEEPS_STATE} then deliveries.next_attempt_at else excluded.next_attempt_at end,
  last_error = case when ${KEEPS_STATE} then deliveries.last_error else excluded.last_error end,
  chain = greatest(deliveries.chain, excluded.chain),
  attempts = deliveries.attempts + excluded.attempts,
  updated_at = now()`;

const DELIVERY_COLUMNS = `d.id, d.webhook_id as "webhookId", d.project_id as "projectId", d.event_id as "eventId",
  d.event_type as "eventType", d.status, d.attempts, d.next_attempt_at as "nextAttemptAt", d.last_error as "lastError",
  d.created_at as "createdAt", d.updated_at as "updatedAt", d.chain`;
// created_at in microseconds since the epoch: exact, unlike a JS Date, for the cursor.
const CREATED_US = `(extract(epoch from d.created_at) * 1000000)::bigint::text as "createdUs"`;
const attemptColumns = (
  a: string,
) => `${a}.id, ${a}.delivery_id as "deliveryId", ${a}.webhook_id as "webhookId",
  ${a}.attempt, ${a}.trigger, ${a}.url, ${a}.request_headers as "requestHeaders", ${a}.response_status as "responseStatus",
  ${a}.response_body as "responseBody", ${a}.duration_ms as "durationMs", ${a}.error_class as "errorClass", ${a}.error,
  ${a}.started_at as "startedAt", ${a}.delivery_created_at as "deliveryCreatedAt"`;

// A time read back into a JS Date has lost its microseconds (and may be a float's hair off):
// the millisecond around it.
const SAME_MILLISECOND = (column: string, param: string) =>
  `${column} > ${param}::timestamptz - interval '1 millisecond' and ${column} < ${param}::timestamptz + interval '1 millisecond'`;

/** Attempts of one webhook in one minute, as `delivery_stats_minute` keeps them. */
interface MinuteStats {
  webhookId: string;
  projectId: string;
  minute: number;
  succeeded: number;
  failed: number;
  retried: number;
  latency: number[];
  lastAttemptAt: Date;
}

/** Summed stats of a group of minutes (a step of a series, or a webhook's window). */
export interface StatsAggregate {
  key: string | Date;
  succeeded: number;
  failed: number;
  retried: number;
  /** Counts per bucket of LATENCY_BUCKETS_MS (and the overflow bucket). */
  latency: number[];
  lastAttemptAt: Date | null;
}

/** How many written event records a repository remembers before it starts afresh. */
const WRITTEN_EVENTS_KEPT = 50_000;
/**
 * How long, at most: retention may delete a record once no delivery of its event is left, and a
 * record remembered past that would leave a later delivery of the event without its payload.
 */
const WRITTEN_EVENTS_KEPT_MS = 3_600_000;

export class DeliveryLogRepository {
  /**
   * Events whose record this repository has written. An event has a delivery per webhook, and
   * those are logged in many batches: sent again, each record was refused by Postgres as a
   * conflict (about a tenth of the log's statement time at saturation). A bound, not an LRU: a
   * record forgotten is only sent once more.
   */
  private readonly writtenEvents = new Set<string>();
  private writtenEventsSince = Date.now();

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records attempts and the state of their deliveries after them, in one statement. The
   * deliveries get one row per id (ON CONFLICT may touch a row once per statement): the latest
   * attempt gives the state, and the attempts of the batch are added to the count.
   */
  async writeAttempts(rows: readonly AttemptRecord[]): Promise<void> {
    const unstamped = [...new Set(rows.filter((r) => !r.createdAt).map((r) => r.deliveryId))];
    const logged = unstamped.length > 0 ? await this.loggedAt(unstamped) : new Map<string, Date>();
    const deliveries = new Map<string, { row: AttemptRecord; count: number; createdAt: Date }>();
    for (const r of rows) {
      const seen = deliveries.get(r.deliveryId);
      const born = r.createdAt ?? logged.get(r.deliveryId) ?? r.startedAt;
      deliveries.set(r.deliveryId, {
        row: r,
        count: (seen?.count ?? 0) + (isAttempt(r) ? 1 : 0),
        createdAt: seen && seen.createdAt < born ? seen.createdAt : born,
      });
    }
    const d = [...deliveries.values()];
    // A delivery ended unattempted has its row and no attempt: nothing was sent, nothing to count
    // in stats.
    const attempts = rows.filter(isAttempt);
    if (Date.now() - this.writtenEventsSince > WRITTEN_EVENTS_KEPT_MS) this.forgetWrittenEvents();
    const events = eventColumns(rows, this.writtenEvents);
    // A delivery's row leaves out the payload that its event's record holds: one this statement
    // writes or fills, or one written before.
    const recorded = new Set(events.keys);
    const payloadInRecord = (r: AttemptRecord) => {
      const key = eventKey(r.projectId, r.event.id);
      return recorded.has(key) || this.writtenEvents.has(key);
    };
    // Every parameter is a column's array but the two JSON texts.
    const columns: (readonly ArrayElement[] | string)[] = [
      attempts.map((r) => r.deliveryId),
      attempts.map((r) => r.webhookId),
      attempts.map((r) => r.attempt),
      attempts.map((r) => r.trigger),
      attempts.map((r) => r.url),
      JSON.stringify(attempts.map((r) => r.requestHeaders)),
      attempts.map((r) => r.responseStatus),
      attempts.map((r) => r.responseBody),
      attempts.map((r) => r.durationMs),
      attempts.map((r) => r.errorClass),
      attempts.map((r) => r.error),
      attempts.map((r) => r.startedAt.toISOString()),
      d.map((x) => x.row.deliveryId),
      d.map((x) => x.row.webhookId),
      d.map((x) => x.row.projectId),
      d.map((x) => x.row.event.id),
      d.map((x) => x.row.event.event),
      d.map((x) => x.row.status),
      d.map((x) => x.count),
      d.map((x) => x.row.nextAttemptAt?.toISOString() ?? null),
      d.map((x) => x.row.error),
      JSON.stringify(d.map((x) => (payloadInRecord(x.row) ? null : x.row.event))),
      d.map((x) => x.createdAt.toISOString()),
      d.map((x) => x.row.chain),
      ...statsColumns(attempts),
      ...events.columns,
      events.payloads,
    ];
    await queryPrepared(
      this.dataSource,
      'hookline_write_attempts',
      WRITE_ATTEMPTS_SQL,
      columns.map((c) => (typeof c === 'string' ? c : arrayLiteral(c))),
    );
    if (this.writtenEvents.size + events.keys.length > WRITTEN_EVENTS_KEPT)
      this.forgetWrittenEvents();
    for (const key of events.keys) this.writtenEvents.add(key);
  }

  private forgetWrittenEvents(): void {
    this.writtenEvents.clear();
    this.writtenEventsSince = Date.now();
  }

  /**
   * When these deliveries were logged, whatever their partition (one index probe per
   * partition): for tasks that do not carry their delivery's birth time.
   */
  private async loggedAt(ids: readonly string[]): Promise<Map<string, Date>> {
    const rows: { id: string; createdAt: Date }[] = await this.dataSource.query(
      `select id, min(created_at) as "createdAt" from deliveries where id = any($1) group by id`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.createdAt]));
  }

  /**
   * A project's (or one webhook's) stats since `from`, summed per step of `stepSeconds` (a
   * series) or per webhook, from the per-minute aggregate.
   */
  async stats(
    projectId: string,
    opts: { webhookId?: string; from: Date; by: { stepSeconds: number } | 'webhook' },
  ): Promise<StatsAggregate[]> {
    const params: unknown[] = [projectId, opts.from];
    const where = ['project_id = $1', 'minute >= $2'];
    if (opts.webhookId) {
      params.push(opts.webhookId);
      where.push(`webhook_id = $${params.length}`);
    }
    let key = 'webhook_id';
    if (opts.by !== 'webhook') {
      params.push(opts.by.stepSeconds);
      key = `to_timestamp(floor(extract(epoch from minute) / $${params.length}) * $${params.length})`;
    }
    const rows: (Omit<StatsAggregate, 'latency'> & { latency: number[] | null })[] =
      await this.dataSource.query(
        `with m as (select ${key} as key, * from delivery_stats_minute where ${where.join(' and ')}),
         counts as (
           select key, sum(succeeded)::int as succeeded, sum(failed)::int as failed,
             sum(retried)::int as retried, max(last_attempt_at) as "lastAttemptAt"
           from m group by key),
         hist as (select key, i, sum(v)::int as v from m, unnest(m.latency) with ordinality u(v, i) group by key, i)
         select c.*, (select array_agg(h.v order by h.i) from hist h where h.key = c.key) as latency
         from counts c order by c.key`,
        params,
      );
    return rows.map((r) => ({ ...r, latency: r.latency ?? [] }));
  }

  /**
   * Of these deliveries, the ones whose status is final, with the chain it belongs to: an
   * automatic task of that chain (or an older one) has nothing left to do. A delivery's
   * `createdAt` (its task's) confines its lookup to the partitions near it — a few index probes
   * instead of one per partition; null: every partition.
   */
  async finished(
    deliveries: readonly { id: string; createdAt: Date | null }[],
  ): Promise<Map<string, { status: DeliveryStatus; chain: number }>> {
    const stamped = deliveries.filter((d) => d.createdAt);
    const unstamped = deliveries.filter((d) => !d.createdAt).map((d) => d.id);
    type Row = { id: string; status: DeliveryStatus; chain: string };
    const [near, anywhere]: Row[][] = await Promise.all([
      stamped.length === 0
        ? []
        : queryPrepared<Row>(
            this.dataSource,
            'hookline_finished_near',
            // LATERAL … LIMIT: one probe of the nearby partitions per delivery, whatever the
            // planner thinks of the batch's size.
            `select u.id, f.status, f.chain from unnest($1::text[], $2::timestamptz[]) as u(id, born)
             cross join lateral (
               select x.status, x.chain from deliveries x
               where x.id = u.id
                 and ${NEAR_BIRTH('x.created_at', 'u.born')}
               order by x.created_at limit 1) f
             where f.status <> 'pending'`,
            [stamped.map((d) => d.id), stamped.map((d) => d.createdAt!.toISOString())],
          ),
      unstamped.length === 0
        ? []
        : this.dataSource.query(
            `select id, status, chain from deliveries where id = any($1) and status <> 'pending'`,
            [unstamped],
          ),
    ]);
    return new Map(
      [...near!, ...anywhere!].map((r) => [r.id, { status: r.status, chain: Number(r.chain) }]),
    );
  }

  /**
   * A pending delivery that will not be attempted (its webhook is gone or disabled) becomes
   * failed. `createdAt` (the task's) narrows the search to the partitions near it; null: all.
   */
  async closeUnattempted(deliveryId: string, error: string, createdAt: Date | null): Promise<void> {
    const set = `update deliveries set status = 'failed', next_attempt_at = null, last_error = $2, updated_at = now()
       where id = $1 and status = 'pending'`;
    await (createdAt
      ? this.dataSource.query(`${set} and ${NEAR_BIRTH('created_at', '$3::timestamptz')}`, [
          deliveryId,
          error,
          createdAt,
        ])
      : this.dataSource.query(set, [deliveryId, error]));
  }

  /**
   * A webhook's deliveries (or the whole project's, webhookId null), newest first; keyset
   * pagination on (created_at, id), stable while rows arrive.
   */
  async list(
    projectId: string,
    webhookId: string | null,
    q: DeliveryQuery,
  ): Promise<{ rows: DeliveryRow[]; nextCursor: string | null }> {
    const where = ['d.project_id = $1'];
    const params: unknown[] = [projectId];
    if (webhookId !== null) {
      params.push(webhookId);
      where.push(`d.webhook_id = $${params.length}`);
    }
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.status) add('d.status = ?', q.status);
    if (q.event) add(q.event.startsWith('evt_') ? 'd.event_id = ?' : 'd.event_type = ?', q.event);
    if (q.since) add('d.created_at >= ?', q.since);
    if (q.until) add('d.created_at < ?', q.until);
    let anchor = q.until ? Date.parse(q.until) : Date.now();
    if (q.cursor) {
      const [us, id] = decodeCursor(q.cursor);
      params.push(us, id);
      where.push(
        `(d.created_at, d.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length})`,
      );
      anchor = Number(BigInt(us) / 1000n) + 1;
    }
    params.push(q.limit + 1);
    const limit = `$${params.length}`;
    // Newest first, a page reads the newest partitions only: searched within a day before where
    // the page starts, then a week, then everywhere. A window holding more than a page holds
    // the page (whatever is outside it is older), so each answer is exact, and a busy webhook's
    // page costs the same whatever the log's size. (The default partition rules out Postgres's
    // own partition-ordered scans.)
    let rows: (DeliveryRow & { createdUs: string })[] = [];
    for (const windowMs of [...LIST_WINDOWS_MS, null]) {
      const bounded =
        windowMs === null || Number.isNaN(anchor)
          ? where
          : [
              ...where,
              `d.created_at >= '${new Date(anchor - windowMs).toISOString()}'::timestamptz`,
            ];
      rows = await this.dataSource.query(
        `select ${DELIVERY_COLUMNS}, ${CREATED_US} from deliveries d where ${bounded.join(' and ')}
         order by d.created_at desc, d.id desc limit ${limit}`,
        params,
      );
      if (rows.length > q.limit || bounded === where) break;
    }
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      rows: page.map(({ createdUs: _, ...row }) => row),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.createdUs, last.id) : null,
    };
  }

  /** One delivery of a project, with the event it carries; null when there is none. */
  async find(projectId: string, id: string): Promise<DeliveryWithEvent | null> {
    const [row]: DeliveryWithEvent[] = await this.dataSource.query(
      // One probe of each partition's key; the earliest row when one event was published twice.
      `select ${DELIVERY_COLUMNS}, ${DELIVERY_EVENT} from deliveries d where d.id = $1 and d.project_id = $2
       order by d.created_at limit 1`,
      [id, projectId],
    );
    return row ?? null;
  }

  /**
   * Every attempt of a delivery, in the order made. `createdAt` (the delivery row's, as read)
   * confines the search to its partition.
   */
  attempts(deliveryId: string, createdAt: Date): Promise<DeliveryAttemptEntity[]> {
    return this.dataSource.query(
      `select ${attemptColumns('a')} from delivery_attempts a
       where a.delivery_id = $1 and ${SAME_MILLISECOND('a.delivery_created_at', '$2')}
       order by a.attempt, a.id`,
      [deliveryId, createdAt],
    );
  }

  /** The first attempt of a delivery and the delivery's status, once logged (a test ping's answer). */
  async firstAttempt(
    deliveryId: string,
    createdAt: Date,
  ): Promise<{ attempt: DeliveryAttemptEntity; status: DeliveryStatus } | null> {
    const [row]: (DeliveryAttemptEntity & { status: DeliveryStatus })[] =
      await this.dataSource.query(
        `select ${attemptColumns('a')}, d.status
         from delivery_attempts a
         join deliveries d on d.id = a.delivery_id and d.created_at = a.delivery_created_at
         where a.delivery_id = $1 and ${SAME_MILLISECOND('a.delivery_created_at', '$2')}
           and ${SAME_MILLISECOND('d.created_at', '$2')}
         order by a.id limit 1`,
        [deliveryId, createdAt],
      );
    if (!row) return null;
    const { status, ...attempt } = row;
    return { attempt, status };
  }

  /** How many deliveries a recovery's filter selects now (its `total`). */
  async countRecoverable(f: RecoveryFilter): Promise<number> {
    const { where, params } = recoverableWhere(f);
    const [{ n }] = (await this.dataSource.query(
      `select count(*)::int as n from deliveries d where ${where}`,
      params,
    )) as [{ n: number }];
    return n;
  }

  /**
   * The next deliveries of a recovery after `after`, oldest first — the order of their events —
   * with what a redeliver task needs. Deliveries of disabled webhooks are passed over.
   */
  async recoverable(
    f: RecoveryFilter,
    after: { us: string; id: string } | null,
    limit: number,
    manager?: EntityManager,
  ): Promise<RecoverableDelivery[]> {
    const { where, params } = recoverableWhere(f);
    let clause = where;
    if (after) {
      params.push(after.us, after.id);
      clause += ` and (d.created_at, d.id) > (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length})`;
    }
    params.push(limit);
    return (manager ?? this.dataSource.manager).query(
      `select d.id, d.webhook_id as "webhookId", d.attempts, ${DELIVERY_EVENT}, d.created_at as "createdAt", ${CREATED_US}
       from deliveries d where ${clause}
       order by d.created_at, d.id limit $${params.length}`,
      params,
    );
  }

  /** A project's recorded events, newest first (by occurred_at); keyset pagination like list. */
  async listEvents(
    projectId: string,
    q: { type?: string; since?: string; until?: string; cursor?: string; limit: number },
  ): Promise<{ rows: PublishedEventRow[]; nextCursor: string | null }> {
    const where = ['e.project_id = $1'];
    const params: unknown[] = [projectId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.type) add('e.type = ?', q.type);
    if (q.since) add('e.occurred_at >= ?', q.since);
    if (q.until) add('e.occurred_at < ?', q.until);
    if (q.cursor) {
      const [us, id] = decodeCursor(q.cursor, 'evt_');
      params.push(us, id);
      where.push(
        `(e.occurred_at, e.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length})`,
      );
    }
    params.push(q.limit + 1);
    const rows: (PublishedEventRow & { occurredUs: string })[] = await this.dataSource.query(
      `select ${EVENT_COLUMNS}, (extract(epoch from e.occurred_at) * 1000000)::bigint::text as "occurredUs"
       from published_events e where ${where.join(' and ')}
       order by e.occurred_at desc, e.id desc limit $${params.length}`,
      params,
    );
    const page = rows.slice(0, q.limit);
    const last = page[page.length - 1];
    return {
      rows: page.map(({ occurredUs: _, ...row }) => row),
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.occurredUs, last.id) : null,
    };
  }

  /** One recorded event of a project; null when there is none. */
  async findEvent(projectId: string, id: string): Promise<PublishedEventRow | null> {
    const [row]: PublishedEventRow[] = await this.dataSource.query(
      `select ${EVENT_COLUMNS} from published_events e where e.project_id = $1 and e.id = $2`,
      [projectId, id],
    );
    return row ?? null;
  }

  /**
   * Deletes up to `batch` rows older than `cutoff` of: the default partitions of the log
   * (attempts, deliveries: rows born on a day that had no partition; the days' partitions are
   * dropped whole, see DeliveryLogPartitions), the per-minute stats (by minute) or the event
   * records (by created_at, once no delivery of the event is left: a record holds its deliveries'
   * payload, and one event id published twice has deliveries of two birth times); answers how
   * many. Run in `manager` when given (the retention job's locked session).
   */
  async deleteOlderThan(
    what: 'attempts' | 'deliveries' | 'stats' | 'events',
    cutoff: Date,
    batch: number,
    manager?: EntityManager,
  ): Promise<number> {
    const [table, column, key, deletable = 'true'] = {
      attempts: ['delivery_attempts_default', 'delivery_created_at', 'id'],
      deliveries: ['deliveries_default', 'created_at', 'id, created_at'],
      stats: ['delivery_stats_minute', 'minute', 'webhook_id, minute'],
      events: [
        'published_events',
        'created_at',
        'project_id, id',
        'not exists (select 1 from deliveries d where d.event_id = t.id and d.project_id = t.project_id)',
      ],
    }[what];
    const [{ n }] = (await (manager ?? this.dataSource.manager).query(
      `with gone as (delete from ${table} where (${key}) in (select ${key} from ${table} t where ${column} < $1 and ${deletable} limit $2) returning 1)
       select count(*)::int as n from gone`,
      [cutoff, batch],
    )) as [{ n: number }];
    return n;
  }
}

/** Whether a record is an attempt that was made (otherwise it records the delivery alone). */
const isAttempt = (r: AttemptRecord): boolean => r.status !== 'skipped' && r.attempted !== false;

export function toDeliveryResource(d: DeliveryRow): DeliveryResource {
  return {
    id: d.id,
    webhook_id: d.webhookId,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    updated_at: d.updatedAt.toISOString(),
  };
}

export function toAttemptResource(a: DeliveryAttemptEntity): AttemptResource {
  return {
    attempt: a.attempt,
    trigger: a.trigger,
    url: a.url,
    request_headers: a.requestHeaders,
    response_status: a.responseStatus,
    response_body: a.responseBody,
    duration_ms: a.durationMs,
    error_class: a.errorClass,
    error: a.error,
    started_at: a.startedAt.toISOString(),
  };
}

/** The stats columns of a batch: its attempts grouped by (webhook, minute), in key order. */
function statsColumns(rows: readonly AttemptRecord[]): ArrayElement[][] {
  const groups = new Map<string, MinuteStats>();
  for (const r of rows) {
    const minute = Math.floor(r.startedAt.getTime() / 60_000) * 60_000;
    const key = `${r.webhookId}|${minute}`;
    let g = groups.get(key);
    if (!g) {
      g = {
        webhookId: r.webhookId,
        projectId: r.projectId,
        minute,
        succeeded: 0,
        failed: 0,
        retried: 0,
        latency: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0),
        lastAttemptAt: r.startedAt,
      };
      groups.set(key, g);
    }
    if (r.status === 'succeeded') g.succeeded++;
    else if (r.status === 'failed') g.failed++;
    else g.retried++;
    g.latency[latencyBucket(r.durationMs)]!++;
    if (r.startedAt > g.lastAttemptAt) g.lastAttemptAt = r.startedAt;
  }
  // One order for every writer, so concurrent batches lock the rows they share in the same order.
  const g = [...groups.values()].sort((a, b) =>
    a.webhookId === b.webhookId ? a.minute - b.minute : a.webhookId < b.webhookId ? -1 : 1,
  );
  return [
    g.map((x) => x.webhookId),
    g.map((x) => x.projectId),
    g.map((x) => new Date(x.minute).toISOString()),
    g.map((x) => x.succeeded),
    g.map((x) => x.failed),
    g.map((x) => x.retried),
    g.map((x) => `{${x.latency.join(',')}}`),
    g.map((x) => x.lastAttemptAt.toISOString()),
  ];
}

/** The WHERE of a recovery's deliveries (alias d), with its parameters. */
function recoverableWhere(f: RecoveryFilter): { where: string; params: unknown[] } {
  const params: unknown[] = [f.projectId, f.statuses, f.since, f.until];
  const where = [
    'd.project_id = $1',
    'd.status = any($2)',
    'd.created_at >= $3',
    'd.created_at < $4',
    'exists (select 1 from webhooks w where w.id = d.webhook_id and w.active)',
  ];
  if (f.webhookId !== null) {
    params.push(f.webhookId);
    where.push(`d.webhook_id = $${params.length}`);
  }
  if (f.eventType !== null) {
    params.push(f.eventType);
    where.push(`d.event_type = $${params.length}`);
  }
  return { where: where.join(' and '), params };
}

function encodeCursor(createdUs: string, id: string): string {
  return Buffer.from(`${createdUs}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string, prefix = 'msg_'): [string, string] {
  const [us, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!us || !/^\d{1,19}$/.test(us) || !id?.startsWith(prefix)) throw new InvalidCursorError();
  return [us, id];
}
