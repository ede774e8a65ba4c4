import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '@hookline/contracts';
import type { AttemptErrorClass, DeliveryStatus } from '@hookline/persistence';
import { MicroBatcher } from '@hookline/producer';
import type { Logger } from '@hookline/telemetry';

/** One attempt and the state of its delivery after it. */
export interface AttemptRecord {
  deliveryId: string;
  webhookId: string;
  projectId: string;
  event: EventEnvelope;
  attempt: number;
  trigger: 'automatic' | 'redeliver' | 'test';
  url: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseBody: string | null;
  durationMs: number;
  errorClass: AttemptErrorClass | null;
  error: string | null;
  startedAt: Date;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
}

export interface AttemptLogWriterOptions {
  /** Rows gathered at most this long before a write. */
  lingerMs?: number;
  maxRows?: number;
  retryDelayMs?: number;
}

// Attempts and their deliveries in one statement: unnest() turns the column arrays into rows, so a
// flush of hundreds of attempts is one round trip whatever their number.
const FLUSH_SQL = `
with attempts as (
  insert into delivery_attempts
    (delivery_id, webhook_id, attempt, trigger, url, request_headers, response_status, response_body, duration_ms, error_class, error, started_at)
  select * from unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::jsonb[], $7::int[], $8::text[], $9::int[], $10::text[], $11::text[], $12::timestamptz[])
)
insert into deliveries
  (id, webhook_id, project_id, event_id, event_type, status, attempts, next_attempt_at, last_error, event, created_at, updated_at)
select d.*, d.created_at from unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::int[], $20::timestamptz[], $21::text[], $22::jsonb[], $23::timestamptz[])
  as d(id, webhook_id, project_id, event_id, event_type, status, attempts, next_attempt_at, last_error, event, created_at)
on conflict (id) do update set
  status = excluded.status,
  attempts = deliveries.attempts + excluded.attempts,
  next_attempt_at = excluded.next_attempt_at,
  last_error = excluded.last_error,
  updated_at = now()`;

/**
 * Writes the delivery log in batches: the attempts of the last few milliseconds (or the first
 * N) go in one multi-row statement, never one round trip per attempt. `record` resolves once its
 * row is durable, so the caller can count the attempt as finished only then. A failed write is
 * retried (the rows stay in order) until it succeeds or the writer is closed.
 */
export class AttemptLogWriter {
  private readonly batcher: MicroBatcher<AttemptRecord>;
  private closed = false;
  /** Flushes done, and rows written, for metrics and tests. */
  flushes = 0;
  rowsWritten = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly log: Logger,
    options: AttemptLogWriterOptions = {},
  ) {
    const retryDelayMs = options.retryDelayMs ?? 500;
    this.batcher = new MicroBatcher<AttemptRecord>(
      async (rows) => {
        for (;;) {
          try {
            await this.write(rows);
            return;
          } catch (e) {
            if (this.closed) throw e;
            this.log.error({ err: e, rows: rows.length }, 'delivery log write failed; retrying');
            await new Promise((r) => setTimeout(r, retryDelayMs));
          }
        }
      },
      {
        maxItems: options.maxRows ?? 500,
        maxBytes: 8 * 1024 * 1024,
        lingerMs: options.lingerMs ?? 20,
      },
    );
  }

  record(row: AttemptRecord): Promise<void> {
    return this.batcher.add([{ item: row, bytes: 512 + (row.responseBody?.length ?? 0) }]);
  }

  get pending(): number {
    return this.batcher.pending;
  }

  async close(): Promise<void> {
    await this.batcher.drain();
    this.closed = true;
  }

  private async write(rows: AttemptRecord[]): Promise<void> {
    const a = {
      deliveryId: [] as string[],
      webhookId: [] as string[],
      attempt: [] as number[],
      trigger: [] as string[],
      url: [] as string[],
      headers: [] as string[],
      status: [] as (number | null)[],
      body: [] as (string | null)[],
      duration: [] as number[],
      errorClass: [] as (string | null)[],
      error: [] as (string | null)[],
      startedAt: [] as string[],
    };
    // One deliveries row per id and statement (ON CONFLICT may touch a row once): the latest
    // attempt gives the state, and the attempts of the batch are added to the count.
    const deliveries = new Map<string, { row: AttemptRecord; count: number; createdAt: Date }>();
    for (const r of rows) {
      a.deliveryId.push(r.deliveryId);
      a.webhookId.push(r.webhookId);
      a.attempt.push(r.attempt);
      a.trigger.push(r.trigger);
      a.url.push(r.url);
      a.headers.push(JSON.stringify(r.requestHeaders));
      a.status.push(r.responseStatus);
      a.body.push(r.responseBody);
      a.duration.push(r.durationMs);
      a.errorClass.push(r.errorClass);
      a.error.push(r.error);
      a.startedAt.push(r.startedAt.toISOString());
      const seen = deliveries.get(r.deliveryId);
      deliveries.set(r.deliveryId, {
        row: r,
        count: (seen?.count ?? 0) + 1,
        createdAt: seen && seen.createdAt < r.startedAt ? seen.createdAt : r.startedAt,
      });
    }
    const d = [...deliveries.values()];
    await this.dataSource.query(FLUSH_SQL, [
      a.deliveryId,
      a.webhookId,
      a.attempt,
      a.trigger,
      a.url,
      a.headers,
      a.status,
      a.body,
      a.duration,
      a.errorClass,
      a.error,
      a.startedAt,
      d.map((x) => x.row.deliveryId),
      d.map((x) => x.row.webhookId),
      d.map((x) => x.row.projectId),
      d.map((x) => x.row.event.id),
      d.map((x) => x.row.event.event),
      d.map((x) => x.row.status),
      d.map((x) => x.count),
      d.map((x) => x.row.nextAttemptAt?.toISOString() ?? null),
      d.map((x) => x.row.error),
      d.map((x) => JSON.stringify(x.row.event)),
      d.map((x) => x.createdAt.toISOString()),
    ]);
    this.flushes++;
    this.rowsWritten += rows.length;
  }
}
